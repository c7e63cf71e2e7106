// The tf-serving HTTP app: TF Serving's REST API under /v1, its Prometheus path, and the
// health/readiness/metrics endpoints every tf-tweetbot service has. Pure wiring: everything
// stateful (models, inference pool, batcher) comes in through `deps`.
// @see https://github.com/tensorflow/serving/blob/master/tensorflow_serving/g3doc/api_rest.md
import { metricsResponse } from '@tweetbot/common/metrics'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { InferenceError } from './inference/pool.ts'
import { errorBody, invalidArgument, ServingError } from './rest/errors.ts'
import { parseJsonBody } from './rest/json-parse.ts'
import { scanPredictBody } from './rest/scan-predict.ts'
import { classifyOrRegress } from './routes/classify-regress.ts'
import type { AppDeps } from './routes/deps.ts'
import { modelMetadata } from './routes/model-metadata.ts'
import { type ModelPath, parseModelPath } from './routes/model-path.ts'
import { modelStatus } from './routes/model-status.ts'
import { predict } from './routes/predict.ts'

const JSON_HEADERS = { 'content-type': 'application/json' }
const utf8 = new TextDecoder()

const jsonError = (status: number, message: string) =>
  new Response(errorBody(message), { status, headers: JSON_HEADERS })

const toServingError = (err: unknown, deps: AppDeps): ServingError => {
  if (err instanceof ServingError) return err
  if (err instanceof InferenceError)
    return new ServingError(err.unavailable ? 'UNAVAILABLE' : 'INVALID_ARGUMENT', err.message)
  deps.logger.error('unhandled error', { err })
  return new ServingError('INTERNAL', (err as Error)?.message ?? 'internal error')
}

export const createApp = (deps: AppDeps) => {
  const app = new Hono()

  const handleV1 = async (
    httpMethod: string,
    path: string,
    rawBody: () => Promise<ArrayBuffer>,
  ) => {
    const started = performance.now()
    let parsed: ModelPath | undefined
    let status = 200
    try {
      parsed = parseModelPath(httpMethod, path)
      if (!parsed) throw invalidArgument(`Malformed request: ${httpMethod} ${path}`)
      let body: string
      if (parsed.method === 'status') body = modelStatus(deps, parsed)
      else if (parsed.method === 'metadata') body = modelMetadata(deps, parsed)
      else if (parsed.method === 'predict') {
        const bytes = new Uint8Array(await rawBody())
        // An image body is read straight into a Float32Array; anything else is parsed here,
        // before the model lookup, so a bad body is a 400 even for an unknown model.
        const scanned = scanPredictBody(bytes)
        const json = scanned ? undefined : parseJsonBody(utf8.decode(bytes))
        body = await predict(deps, parsed, {
          scanned,
          json: () => json ?? parseJsonBody(utf8.decode(bytes)),
        })
      } else {
        const json = parseJsonBody(utf8.decode(new Uint8Array(await rawBody())))
        body = await classifyOrRegress(deps, parsed, json, parsed.method)
      }
      return new Response(body, { headers: JSON_HEADERS })
    } catch (err) {
      const e = toServingError(err, deps)
      status = e.httpStatus
      return jsonError(status, e.message)
    } finally {
      const labels = {
        model: parsed?.model ?? '',
        method: parsed?.method ?? 'unknown',
        status: String(status),
      }
      deps.metrics.requests.inc(labels)
      deps.metrics.latency.observe(labels, (performance.now() - started) / 1000)
      deps.metrics.tfRequestCount.inc({
        model_name: labels.model,
        status: status === 200 ? 'OK' : 'ERROR',
      })
    }
  }

  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: deps.maxBodyBytes,
      onError: () =>
        jsonError(413, `Request body is larger than the limit of ${deps.maxBodyBytes} bytes`),
    }),
  )

  app.on(['GET', 'POST'], '/v1/*', (c) =>
    handleV1(c.req.method, c.req.path, () => c.req.arrayBuffer()),
  )
  // TF Serving answers other methods on /v1 with "Malformed request" (400); 405 tells a client
  // more precisely what is wrong, with the same message.
  app.all('/v1/*', (c) => jsonError(405, `Malformed request: ${c.req.method} ${c.req.path}`))

  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/readyz', (c) => {
    const info = deps.info()
    const models = deps.manager.summary()
    const ready = models.length > 0 && models.every((m) => m.available.length > 0)
    return c.json({ status: ready ? 'ready' : 'not ready', ...info, models }, ready ? 200 : 503)
  })
  app.get('/metrics', () => metricsResponse(deps.registry))
  app.get('/monitoring/prometheus/metrics', () => metricsResponse(deps.registry))

  app.notFound((c) => {
    // TF Serving matches /v1 case-insensitively (/V1/Models/m:Predict works); Hono's router does not.
    if (/^\/v1\//i.test(c.req.path) && (c.req.method === 'GET' || c.req.method === 'POST'))
      return handleV1(c.req.method, c.req.path, () => c.req.arrayBuffer())
    return jsonError(404, `Not found: ${c.req.method} ${c.req.path}`)
  })
  app.onError((err) => {
    const e = toServingError(err, deps)
    return jsonError(e.httpStatus, e.message)
  })
  return app
}
