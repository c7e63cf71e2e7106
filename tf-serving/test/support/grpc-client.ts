// biome-ignore-all lint/suspicious/noExplicitAny: responses are protobufjs objects read loosely by tests
// A grpc-js client for tf-serving's gRPC API in tests: one promise per unary call, errors as
// { code, details }. (tf-serving/test/python-client drives the API with a second implementation.)
import * as grpc from '@grpc/grpc-js'
import { serviceDefinition } from '@tweetbot/common/grpc'

export interface GrpcFailure {
  code: grpc.status
  details: string
}

type Unary = (
  req: unknown,
  meta: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res: unknown) => void,
) => grpc.ClientUnaryCall

export const grpcClient = (port: number, options: grpc.ChannelOptions = {}) => {
  const address = `127.0.0.1:${port}`
  const creds = grpc.credentials.createInsecure()
  const make = (name: string) =>
    new (grpc.makeGenericClientConstructor(serviceDefinition(name), name))(
      address,
      creds,
      options,
    ) as unknown as Record<string, Unary> & grpc.Client
  const clients = {
    prediction: make('tensorflow.serving.PredictionService'),
    model: make('tensorflow.serving.ModelService'),
    health: make('grpc.health.v1.Health'),
  }
  /** Starts a call; `result` settles with the response or the failure; `call` can cancel it. */
  const start = (
    service: keyof typeof clients,
    method: string,
    req: unknown,
    opts: grpc.CallOptions = {},
  ) => {
    let call: grpc.ClientUnaryCall | undefined
    const result = new Promise<{ ok: true; res: any } | ({ ok: false } & GrpcFailure)>(
      (resolve) => {
        const fn = clients[service][method] as Unary
        call = fn.call(clients[service], req, new grpc.Metadata(), opts, (err, res) =>
          resolve(err ? { ok: false, code: err.code, details: err.details } : { ok: true, res }),
        )
      },
    )
    return { call: call as unknown as grpc.ClientUnaryCall, result }
  }
  /** The response; throws a readable error for a failure. */
  const ok = async (service: keyof typeof clients, method: string, req: unknown) => {
    const r = await start(service, method, req).result
    if (!r.ok) throw new Error(`${method} failed: ${grpc.status[r.code]} ${r.details}`)
    return r.res
  }
  /** The failure; throws if the call succeeded. */
  const fails = async (
    service: keyof typeof clients,
    method: string,
    req: unknown,
    opts?: grpc.CallOptions,
  ): Promise<GrpcFailure> => {
    const r = await start(service, method, req, opts).result
    if (r.ok) throw new Error(`${method} succeeded but a failure was expected`)
    return { code: r.code, details: r.details }
  }
  const close = () => {
    for (const c of Object.values(clients)) c.close()
  }
  return { start, ok, fails, close }
}
export type GrpcTestClient = ReturnType<typeof grpcClient>

/** A float32 TensorProto with tensor_content (little-endian, as TF writes it). */
export const floatContent = (shape: number[], values: ArrayLike<number>) => ({
  dtype: 1,
  tensor_shape: { dim: shape.map((size) => ({ size })) },
  tensor_content: new Uint8Array(Float32Array.from(values).buffer),
})

/** A float32 TensorProto with float_val. */
export const floatVal = (shape: number[], values: number[]) => ({
  dtype: 1,
  tensor_shape: { dim: shape.map((size) => ({ size })) },
  float_val: values,
})

/** tf.Example protos with float features, e.g. [{ x: [1] }, { x: [2] }]. */
export const floatExamples = (rows: Record<string, number[]>[]) => ({
  example_list: {
    examples: rows.map((r) => ({
      features: {
        feature: Object.fromEntries(
          Object.entries(r).map(([k, v]) => [k, { float_list: { value: v } }]),
        ),
      },
    })),
  },
})

/** float_val or tensor_content of a response tensor, as numbers. */
export const tensorNumbers = (t: {
  float_val?: number[]
  tensor_content?: Uint8Array
}): number[] => {
  if (t.tensor_content && t.tensor_content.length > 0) {
    const bytes = Uint8Array.from(t.tensor_content)
    return Array.from(new Float32Array(bytes.buffer))
  }
  return Array.from(t.float_val ?? [])
}
