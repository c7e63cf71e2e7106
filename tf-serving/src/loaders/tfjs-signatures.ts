// Signatures for TF.js models. A model.json may declare them in
// `userDefinedMetadata.signature_def` (our extension: classify/regress signatures, aliases);
// otherwise `serving_default` is derived from the model's own inputs and outputs, as TF Serving
// does for a Keras model exported with its default signature.
import * as tf from '@tensorflow/tfjs'
import { z } from 'zod'
import {
  DEFAULT_SIGNATURE,
  PREDICT_METHOD,
  type SignatureDef,
  type TensorSpec,
  type TfDtype,
} from './types.ts'

/** TF.js dtype → the TensorFlow DataType it carries. */
const TF_DTYPE_OF_TFJS: Record<string, TfDtype> = {
  float32: 'DT_FLOAT',
  int32: 'DT_INT32',
  bool: 'DT_BOOL',
  string: 'DT_STRING',
  complex64: 'DT_COMPLEX64',
}
export const toTfDtype = (dtype: string | undefined): TfDtype =>
  TF_DTYPE_OF_TFJS[dtype ?? 'float32'] ?? 'DT_FLOAT'

const tensorSpecSchema = z.object({
  name: z.string(),
  dtype: z.string().regex(/^DT_[A-Z0-9]+$/),
  shape: z.array(z.number().int()).nullable().default(null),
})
const signatureSchema = z.object({
  method_name: z.enum([
    'tensorflow/serving/predict',
    'tensorflow/serving/classify',
    'tensorflow/serving/regress',
  ]),
  inputs: z.record(z.string(), tensorSpecSchema),
  outputs: z.record(z.string(), tensorSpecSchema),
})
const signaturesSchema = z.record(z.string(), signatureSchema)

const declaredSignatures = (meta: unknown): Record<string, SignatureDef> | undefined => {
  const raw = (meta as Record<string, unknown> | undefined)?.signature_def
  if (raw === undefined) return undefined
  const parsed = signaturesSchema.safeParse(raw)
  if (!parsed.success)
    throw new Error(
      `userDefinedMetadata.signature_def is invalid: ${parsed.error.issues[0]?.message}`,
    )
  const out: Record<string, SignatureDef> = {}
  for (const [key, sig] of Object.entries(parsed.data))
    out[key] = {
      methodName: sig.method_name,
      inputs: sig.inputs as Record<string, TensorSpec>,
      outputs: sig.outputs as Record<string, TensorSpec>,
    }
  return out
}

const shapeOf = (shape: readonly (number | null)[] | undefined | null) =>
  shape ? shape.map((d) => (d === null || d === undefined || d < 0 ? -1 : d)) : null

/** Instantiates the model on the CPU backend only to read its input/output names and shapes. */
const derivedSignature = async (
  kind: 'layers' | 'graph',
  artifacts: tf.io.ModelArtifacts,
): Promise<SignatureDef> => {
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu')
  const inputs: Record<string, TensorSpec> = {}
  const outputs: Record<string, TensorSpec> = {}
  if (kind === 'layers') {
    const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts))
    try {
      model.inputs.forEach((t, i) => {
        const name = model.inputNames[i] ?? t.name
        inputs[name] = { name, dtype: toTfDtype(t.dtype), shape: shapeOf(t.shape) }
      })
      model.outputs.forEach((t, i) => {
        const name = model.outputNames[i] ?? t.name
        outputs[name] = { name, dtype: toTfDtype(t.dtype), shape: shapeOf(t.shape) }
      })
    } finally {
      model.dispose()
    }
  } else {
    const model = await tf.loadGraphModel(tf.io.fromMemory(artifacts))
    try {
      for (const t of model.inputs)
        inputs[t.name] = { name: t.name, dtype: toTfDtype(t.dtype), shape: shapeOf(t.shape) }
      for (const t of model.outputs)
        outputs[t.name] = { name: t.name, dtype: toTfDtype(t.dtype), shape: shapeOf(t.shape) }
    } finally {
      model.dispose()
    }
  }
  return { methodName: PREDICT_METHOD, inputs, outputs }
}

interface ConverterTensor {
  name?: string
  dtype?: string
  tensorShape?: { dim?: { size?: string | number }[]; unknownRank?: boolean }
}

/**
 * Graph models written by tensorflow_converter keep the SavedModel's serving signature in
 * model.json's `signature` (alias → {name: "x:0", dtype, tensorShape}); its aliases are what TF
 * Serving shows for the original SavedModel, so they are used as they are.
 */
const converterSignature = (raw: unknown): SignatureDef | undefined => {
  const sig = raw as {
    inputs?: Record<string, ConverterTensor>
    outputs?: Record<string, ConverterTensor>
  }
  if (!sig?.inputs || !sig.outputs || Object.keys(sig.inputs).length === 0) return undefined
  const spec = (alias: string, t: ConverterTensor): TensorSpec => ({
    name: t.name ?? alias,
    dtype: (t.dtype as TfDtype | undefined) ?? 'DT_FLOAT',
    shape:
      !t.tensorShape || t.tensorShape.unknownRank
        ? null
        : (t.tensorShape.dim ?? []).map((d) => Number(d.size ?? -1)),
  })
  const map = (m: Record<string, ConverterTensor>) =>
    Object.fromEntries(Object.entries(m).map(([alias, t]) => [alias, spec(alias, t)]))
  return { methodName: PREDICT_METHOD, inputs: map(sig.inputs), outputs: map(sig.outputs) }
}

export const signaturesFromTopology = async (
  kind: 'layers' | 'graph',
  artifacts: tf.io.ModelArtifacts,
): Promise<Record<string, SignatureDef>> => {
  const declared = declaredSignatures(artifacts.userDefinedMetadata)
  if (declared?.[DEFAULT_SIGNATURE]) return declared
  const converted = kind === 'graph' ? converterSignature(artifacts.signature) : undefined
  if (converted) return { [DEFAULT_SIGNATURE]: converted, ...declared }
  return { [DEFAULT_SIGNATURE]: await derivedSignature(kind, artifacts), ...declared }
}
