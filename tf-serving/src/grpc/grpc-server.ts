// TF Serving's gRPC API on --port: PredictionService, ModelService and grpc.health.v1.Health,
// over the same model manager, batcher and inference pool as the REST API.
// @see https://github.com/tensorflow/serving/blob/master/tensorflow_serving/apis/prediction_service.proto
import * as grpc from '@grpc/grpc-js'
import { serviceDefinition } from '@tweetbot/common/grpc'
import { Deadline } from '../inference/deadline.ts'
import { asServingError } from '../rest/errors.ts'
import { CallLimiter } from './call-limiter.ts'
import { grpcClassify, grpcMultiInference, grpcRegress } from './classify-regress.ts'
import type { GrpcDeps } from './deps.ts'
import { grpcModelMetadata } from './metadata.ts'
import { grpcModelStatus, grpcReloadConfig } from './model-service.ts'
import { grpcPredict } from './predict.ts'
import { REFLECTION_SERVICE, reflectionHandler } from './reflection.ts'
import { toServiceError } from './status.ts'

export const PREDICTION_SERVICE = 'tensorflow.serving.PredictionService'
export const MODEL_SERVICE = 'tensorflow.serving.ModelService'
export const HEALTH_SERVICE = 'grpc.health.v1.Health'

export interface GrpcServerOptions {
  /** 0 picks a free port (tests); the flag parser maps --port=0 to "no gRPC server" instead. */
  port: number
  host?: string
  /** Largest request message accepted (RESOURCE_EXHAUSTED above it). */
  maxMessageBytes: number
  /** Calls running at once; more wait (--grpc_max_threads). */
  maxConcurrentCalls: number
  /** For /readyz-like health: every configured model has an available version. */
  ready: () => boolean
}

// biome-ignore lint/suspicious/noExplicitAny: grpc-js hands requests in as protobufjs objects
type Handler = (deps: GrpcDeps, req: any) => unknown
type UnaryCall = grpc.ServerUnaryCall<unknown, unknown>

const modelOf = (req: unknown): string => {
  const r = req as {
    model_spec?: { name?: string } | null
    tasks?: { model_spec?: { name?: string } }[]
  }
  return r.model_spec?.name ?? r.tasks?.[0]?.model_spec?.name ?? ''
}

/**
 * The deps a call's handler runs with: its model runs carry the call's deadline, as TF Serving
 * makes the call's deadline the run's timeout (prediction_service_impl.cc, RunOptions
 * timeout_in_ms); the runner still applies --rest_api_timeout_in_ms when that is sooner.
 */
const withCallDeadline = (deps: GrpcDeps, call: UnaryCall): GrpcDeps => {
  const at = Number(call.getDeadline())
  if (!Number.isFinite(at)) return deps
  const deadline = new Deadline(performance.now() + (at - Date.now()))
  return {
    ...deps,
    run: (key, sig, inputs, outputs, outer) =>
      deps.run(key, sig, inputs, outputs, outer && outer.at < deadline.at ? outer : deadline),
  }
}

export const startGrpcServer = async (deps: GrpcDeps, opts: GrpcServerOptions) => {
  // grpc-js prints its own errors to the console; they go through our JSON logger instead.
  const log = (...args: unknown[]) => deps.logger.warn('grpc-js', { message: args.join(' ') })
  grpc.setLogger({ error: log, info: log, debug: log } as unknown as Partial<Console>)
  const limiter = new CallLimiter(opts.maxConcurrentCalls)
  const unary =
    (method: string, handler: Handler) =>
    async (call: UnaryCall, callback: grpc.sendUnaryData<unknown>) => {
      const started = performance.now()
      const model = modelOf(call.request)
      let status = 'OK'
      const release = await limiter.acquire(call)
      try {
        // Gone while waiting: run nothing. A cancelled call has no one to answer; a call past its
        // deadline is answered (grpc-js ignores it if its own deadline timer already did).
        if (!release) {
          status = call.cancelled ? 'CANCELLED' : 'DEADLINE_EXCEEDED'
          if (!call.cancelled)
            callback({ code: grpc.status.DEADLINE_EXCEEDED, details: 'Deadline Exceeded' })
          return
        }
        callback(null, await handler(withCallDeadline(deps, call), call.request))
      } catch (err) {
        const e = asServingError(err)
        if (e.code === 'INTERNAL') deps.logger.error('gRPC call failed', { method, err })
        status = e.code
        callback(toServiceError(e))
      } finally {
        release?.()
        const labels = { model, method: `grpc_${method}`, status }
        deps.metrics.requests.inc(labels)
        deps.metrics.latency.observe(labels, (performance.now() - started) / 1000)
        deps.metrics.tfRequestCount.inc({
          model_name: model,
          status: status === 'OK' ? 'OK' : 'ERROR',
        })
      }
    }

  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxMessageBytes,
  })
  server.addService(serviceDefinition(PREDICTION_SERVICE), {
    Predict: unary('predict', grpcPredict),
    Classify: unary('classify', grpcClassify),
    Regress: unary('regress', grpcRegress),
    MultiInference: unary('multi_inference', grpcMultiInference),
    GetModelMetadata: unary('metadata', grpcModelMetadata),
  })
  server.addService(serviceDefinition(MODEL_SERVICE), {
    GetModelStatus: unary('status', grpcModelStatus),
    HandleReloadConfigRequest: unary('reload_config', grpcReloadConfig),
  })
  const known = new Set(['', PREDICTION_SERVICE, MODEL_SERVICE])
  server.addService(serviceDefinition(HEALTH_SERVICE), {
    Check: (
      call: grpc.ServerUnaryCall<{ service: string }, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      if (!known.has(call.request.service))
        return callback({ code: grpc.status.NOT_FOUND, details: 'unknown service' })
      // ServingStatus: SERVING = 1, NOT_SERVING = 2.
      callback(null, { status: opts.ready() ? 1 : 2 })
    },
  })

  server.addService(
    serviceDefinition(REFLECTION_SERVICE),
    reflectionHandler([PREDICTION_SERVICE, MODEL_SERVICE, HEALTH_SERVICE, REFLECTION_SERVICE]),
  )

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${opts.host ?? '0.0.0.0'}:${opts.port}`,
      grpc.ServerCredentials.createInsecure(),
      (err, bound) => (err ? reject(err) : resolve(bound)),
    ),
  )
  const stop = () =>
    new Promise<void>((resolve) => {
      // Finish calls in flight, but do not wait forever for a slow client.
      const force = setTimeout(() => server.forceShutdown(), 5_000)
      server.tryShutdown(() => {
        clearTimeout(force)
        resolve()
      })
    })
  return { server, port, limiter, stop }
}
export type GrpcServer = Awaited<ReturnType<typeof startGrpcServer>>
