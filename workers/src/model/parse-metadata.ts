import { ownValue } from '@tweetbot/common/own'
import { z } from 'zod'

/** What the worker must know about the model's input to build a `:predict` request. */
export interface ModelInput {
  height: number
  width: number
  channels: number
  /** TF dtype name, e.g. `DT_FLOAT` or `DT_UINT8`. */
  dtype: string
  signature: string
  /** The input's alias in the signature (gRPC requests name it; REST rows need not). */
  alias?: string
}

const tensorSchema = z.object({
  dtype: z.string(),
  tensor_shape: z.object({
    dim: z.array(z.object({ size: z.union([z.string(), z.number()]) })).optional(),
  }),
})

const metadataSchema = z.object({
  metadata: z.object({
    signature_def: z.object({
      signature_def: z.record(
        z.string(),
        z.object({ inputs: z.record(z.string(), tensorSchema) }).loose(),
      ),
    }),
  }),
})

/**
 * Reads the input size and dtype from TF Serving's `GET /v1/models/{m}/metadata` answer.
 * Expects one image input shaped [batch, height, width, channels].
 * @see https://www.tensorflow.org/tfx/serving/api_rest#metadata_api
 */
export const parseModelMetadata = (body: unknown, signature = 'serving_default'): ModelInput => {
  const parsed = metadataSchema.safeParse(body)
  if (!parsed.success) throw new Error('model metadata has no signature_def')
  const sig = ownValue(parsed.data.metadata.signature_def.signature_def, signature)
  if (!sig) throw new Error(`model metadata has no signature "${signature}"`)
  const inputs = Object.values(sig.inputs)
  const input = inputs[0]
  const alias = Object.keys(sig.inputs)[0]
  if (!input || inputs.length !== 1)
    throw new Error(`signature "${signature}" must have exactly one input, has ${inputs.length}`)
  const dims = (input.tensor_shape.dim ?? []).map((d) => Number(d.size))
  const [, height, width, channels] = dims
  if (dims.length !== 4 || !height || !width || !channels || height < 1 || width < 1)
    throw new Error(`input shape [${dims.join(',')}] is not [batch, height, width, channels]`)
  if (channels !== 1 && channels !== 3)
    throw new Error(`input has ${channels} channels; only 1 or 3 are supported`)
  return { height, width, channels, dtype: input.dtype, signature, alias }
}

/** `…/v1/models/default:predict` (or `/versions/N:predict`) → the matching `…/metadata` URL. */
export const metadataUrlFor = (predictUrl: string): string => {
  const url = new URL(predictUrl)
  if (!url.pathname.endsWith(':predict'))
    throw new Error('TF_SERVER_URL must end with :predict, e.g. /v1/models/default:predict')
  url.pathname = `${url.pathname.slice(0, -':predict'.length)}/metadata`
  return url.href
}
