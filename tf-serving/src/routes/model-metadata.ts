// GET …/metadata → {"model_spec": …, "metadata": {"signature_def": {"signature_def": …}}} with
// TensorInfo printed as protobuf JSON does it: int64 sizes as strings, dtype enum names.
// @see https://github.com/tensorflow/serving/blob/master/tensorflow_serving/g3doc/api_rest.md#model-metadata-api
import type { TensorSpec } from '../loaders/types.ts'
import type { AppDeps } from './deps.ts'
import type { ModelPath } from './model-path.ts'

const tensorInfo = (t: TensorSpec) => ({
  dtype: t.dtype,
  tensor_shape: t.shape
    ? { dim: t.shape.map((size) => ({ size: String(size), name: '' })), unknown_rank: false }
    : { dim: [], unknown_rank: true },
  name: t.name,
})

const infoMap = (m: Record<string, TensorSpec>) =>
  Object.fromEntries(Object.entries(m).map(([alias, t]) => [alias, tensorInfo(t)]))

export const modelMetadata = (deps: AppDeps, p: ModelPath): string => {
  const handle = deps.manager.acquire(p.model, p.version, p.label)
  try {
    const signatureDef = Object.fromEntries(
      Object.entries(handle.signatures).map(([key, sig]) => [
        key,
        {
          inputs: infoMap(sig.inputs),
          outputs: infoMap(sig.outputs),
          method_name: sig.methodName,
          defaults: {},
        },
      ]),
    )
    const body = {
      model_spec: { name: handle.name, signature_name: '', version: String(handle.version) },
      metadata: { signature_def: { signature_def: signatureDef } },
    }
    return JSON.stringify(body, null, 1)
  } finally {
    handle.release()
  }
}
