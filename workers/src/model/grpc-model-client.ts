import * as grpc from '@grpc/grpc-js'
import { protoType, serviceDefinition } from '@tweetbot/common/grpc'
import { modelServerError } from '../errors.ts'
import { type InputScale, scaledByte } from './encode-instances.ts'
import { extractScores } from './extract-scores.ts'
import type { ModelClient } from './model-client.ts'
import { type ModelInput, parseModelMetadata } from './parse-metadata.ts'

export interface GrpcModelClientOptions {
  /** `grpc://host:port/<model>[/versions/<n>]` */
  url: string
  timeoutMs: number
  scale: InputScale
  signature?: string
}

/** grpc://host:port/<model>[/versions/<n>] → where to connect and which servable to ask. */
export const parseGrpcModelUrl = (url: string) => {
  const m = /^grpc:\/\/([^/]+)\/([^/:]+)(?:\/versions\/(\d+))?$/.exec(url)
  if (!m) throw new Error('TF_SERVER_URL must look like grpc://host:8500/<model>')
  return {
    address: m[1] as string,
    model: m[2] as string,
    version: m[3] ? Number(m[3]) : undefined,
  }
}

/**
 * gRPC status → the HTTP status a REST server would have answered, so retry and outage handling
 * (classify-failure.ts, ride-out-outage.ts) treat both transports alike. UNAVAILABLE (no
 * connection, or the server said so) counts as "no answer" (0).
 */
const HTTP_OF: Partial<Record<grpc.status, number>> = {
  [grpc.status.INVALID_ARGUMENT]: 400,
  [grpc.status.FAILED_PRECONDITION]: 400,
  [grpc.status.NOT_FOUND]: 404,
  [grpc.status.RESOURCE_EXHAUSTED]: 429,
  [grpc.status.UNIMPLEMENTED]: 501,
  [grpc.status.UNAVAILABLE]: 0,
  [grpc.status.DEADLINE_EXCEEDED]: 504,
  [grpc.status.CANCELLED]: 0,
}

/** TensorFlow's DataType enum from the protos: name → number. */
const dtypeNumbers = (): Record<string, number> =>
  protoType('tensorflow.serving.SignatureDefMap').root.lookupEnum('tensorflow.DataType').values

/** Each pixel byte's input value, per INPUT_SCALE. */
const tables = new Map<InputScale, Float32Array>()
const scaleTable = (scale: InputScale) => {
  let table = tables.get(scale)
  if (!table) {
    table = Float32Array.from({ length: 256 }, (_, i) => scaledByte(scale, i))
    tables.set(scale, table)
  }
  return table
}

/**
 * One image (raw interleaved pixels of `input`'s size) as the TensorProto a Predict request
 * carries: float32 `tensor_content` scaled per INPUT_SCALE, the bytes themselves for DT_UINT8,
 * `int64_val` / `double_val` for int64 / double inputs, `int_val` for other integer inputs.
 */
export const encodeImageTensor = (
  pixels: Uint8Array,
  input: ModelInput,
  scale: InputScale,
  /** Values to write into (reused across requests); allocated when absent or too small. */
  into?: Float32Array,
) => {
  const { height, width, channels } = input
  if (pixels.length !== height * width * channels)
    throw new Error(`expected ${height * width * channels} bytes of pixels, got ${pixels.length}`)
  const shape = { dim: [1, height, width, channels].map((size) => ({ size })) }
  if (input.dtype === 'DT_UINT8') return { dtype: 4, tensor_shape: shape, tensor_content: pixels }
  if (input.dtype === 'DT_FLOAT') {
    const table = scaleTable(scale)
    const values =
      into && into.length >= pixels.length
        ? into.subarray(0, pixels.length)
        : new Float32Array(pixels.length)
    for (let i = 0; i < pixels.length; i++) values[i] = table[pixels[i] as number] as number
    return {
      dtype: 1,
      tensor_shape: shape,
      tensor_content: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    }
  }
  // TF Serving reads each dtype from its own field (tensor.cc FromProto; tf-serving's
  // tensor-proto.ts valList): int_val only carries 32-bit and narrower integers, so int64 and
  // double inputs sent there would arrive as zeros. Integers take the byte values as they are,
  // double is scaled as the REST body scales it.
  if (input.dtype === 'DT_INT64') return { dtype: 9, tensor_shape: shape, int64_val: pixels }
  if (input.dtype === 'DT_DOUBLE')
    return {
      dtype: 2,
      tensor_shape: shape,
      double_val: Array.from(pixels, (b) => scaledByte(scale, b)),
    }
  return { dtype: dtypeNumbers()[input.dtype] ?? 3, tensor_shape: shape, int_val: pixels }
}

type Unary = (
  req: unknown,
  meta: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res: unknown) => void,
) => unknown

/**
 * A client for TF Serving's gRPC PredictionService (tf-serving here, or the real
 * tensorflow/serving on port 8500): the image travels as binary `tensor_content`, float32 scaled
 * per INPUT_SCALE, or the raw bytes when the model's input is DT_UINT8.
 * @see https://github.com/tensorflow/serving/blob/master/tensorflow_serving/apis/prediction_service.proto
 */
export const createGrpcModelClient = (
  opts: GrpcModelClientOptions,
): ModelClient & { close(): void } => {
  const target = parseGrpcModelUrl(opts.url)
  const Service = grpc.makeGenericClientConstructor(
    serviceDefinition('tensorflow.serving.PredictionService'),
    'PredictionService',
  )
  const client = new Service(target.address, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  }) as unknown as Record<string, Unary> & grpc.Client
  const spare: Float32Array[] = []
  const modelSpec = (signature: string) => ({
    name: target.model,
    signature_name: signature,
    ...(target.version !== undefined ? { version: { value: target.version } } : {}),
  })
  const call = <T>(method: string, req: unknown, signal?: AbortSignal) =>
    new Promise<T>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      const c = (client[method] as Unary).call(
        client,
        req,
        new grpc.Metadata(),
        { deadline: Date.now() + opts.timeoutMs },
        (err, res) => {
          signal?.removeEventListener('abort', cancel)
          if (!err) return resolve(res as T)
          // As the REST client: a 4xx but 429 is permanent (ModelRejectedRequestError).
          const status = HTTP_OF[err.code] ?? 500
          reject(
            modelServerError(status, `gRPC ${grpc.status[err.code]}: ${err.details}`, {
              cause: err,
            }),
          )
        },
      ) as grpc.ClientUnaryCall
      const cancel = () => c.cancel()
      signal?.addEventListener('abort', cancel, { once: true })
    })

  return {
    metadata: async (signal) => {
      const res = await call<MetadataOut>(
        'GetModelMetadata',
        { model_spec: modelSpec(''), metadata_field: ['signature_def'] },
        signal,
      )
      const packed = res.metadata?.signature_def
      if (!packed) throw new Error('model metadata has no signature_def')
      const SignatureDefMap = protoType('tensorflow.serving.SignatureDefMap')
      const map = SignatureDefMap.toObject(SignatureDefMap.decode(packed.value), {
        enums: String,
        longs: Number,
      }) as {
        signature_def: Record<
          string,
          {
            inputs?: Record<string, { dtype: string; tensor_shape?: { dim?: { size: number }[] } }>
          }
        >
      }
      // The REST metadata shape, so one parser reads both.
      const signatureDef = Object.fromEntries(
        Object.entries(map.signature_def ?? {}).map(([k, sig]) => [
          k,
          {
            inputs: Object.fromEntries(
              Object.entries(sig.inputs ?? {}).map(([alias, t]) => [
                alias,
                {
                  // enums: String has already named it (DT_FLOAT); an unknown number stays one.
                  dtype: String(t.dtype),
                  tensor_shape: { dim: t.tensor_shape?.dim ?? [] },
                },
              ]),
            ),
          },
        ]),
      )
      return parseModelMetadata(
        { metadata: { signature_def: { signature_def: signatureDef } } },
        opts.signature,
      )
    },
    predict: async (pixels, input: ModelInput, signal) => {
      // As the REST client does with its bodies: at most one 0.6 MB buffer per predict in flight,
      // reused, instead of one of garbage per image.
      const buffer = spare.pop()
      const tensor = encodeImageTensor(pixels, input, opts.scale, buffer)
      const res = await call<{ outputs?: Record<string, TensorOut> }>(
        'Predict',
        { model_spec: modelSpec(input.signature), inputs: { [input.alias ?? 'input']: tensor } },
        signal,
      )
      // Answered, so the request was sent in full; after a failure the buffer is dropped.
      if (buffer) spare.push(buffer)
      else if (tensor.dtype === 1 && tensor.tensor_content)
        spare.push(new Float32Array(tensor.tensor_content.buffer))
      // The REST answer's shape (first instance per output), so one reader picks the scores.
      const row = Object.fromEntries(
        Object.entries(res.outputs ?? {}).map(([alias, t]) => [alias, firstRow(t)]),
      )
      const only = Object.values(row)
      return extractScores({ predictions: [only.length === 1 ? only[0] : row] })
    },
    close: () => client.close(),
  }
}

/** The parts of the protobufjs answers read here. */
interface MetadataOut {
  metadata?: Record<string, { value: Uint8Array }>
}

interface TensorOut {
  tensor_shape?: { dim?: { size: number | { toString(): string } }[] } | null
  float_val?: ArrayLike<number>
  tensor_content?: Uint8Array
}

/** The first batch item of a float output, from float_val or tensor_content. */
const firstRow = (t: TensorOut): number[] => {
  const dims = (t.tensor_shape?.dim ?? []).map((d) => Number(d.size))
  const per = dims.slice(1).reduce((a, b) => a * b, 1)
  let all: ArrayLike<number>
  if (t.tensor_content && t.tensor_content.length > 0) {
    const copy = new Uint8Array(t.tensor_content.length)
    copy.set(t.tensor_content)
    all = new Float32Array(copy.buffer)
  } else all = t.float_val ?? []
  return Array.from(all).slice(0, per)
}
