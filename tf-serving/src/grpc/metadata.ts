// PredictionService.GetModelMetadata: the signatures as a SignatureDefMap packed in an Any under
// "signature_def", as get_model_metadata_impl.cc answers.
import { protoType } from '@tweetbot/common/grpc'
import type { TensorSpec } from '../loaders/types.ts'
import { invalidArgument } from '../rest/errors.ts'
import type { GrpcDeps } from './deps.ts'
import { acquireFor, type ModelSpecIn, responseSpec } from './model-spec.ts'
import { DTYPE_NUMBER } from './tensor-proto.ts'

export const SIGNATURE_DEF_FIELD = 'signature_def'
const SIGNATURE_DEF_MAP = 'tensorflow.serving.SignatureDefMap'

const tensorInfo = (t: TensorSpec) => ({
  name: t.name,
  dtype: DTYPE_NUMBER[t.dtype],
  tensor_shape: t.shape ? { dim: t.shape.map((size) => ({ size })) } : { unknown_rank: true },
})

const infoMap = (m: Record<string, TensorSpec>) =>
  Object.fromEntries(Object.entries(m).map(([alias, t]) => [alias, tensorInfo(t)]))

export const grpcModelMetadata = (
  deps: GrpcDeps,
  req: { model_spec?: ModelSpecIn | null; metadata_field: string[] },
) => {
  const fields = req.metadata_field ?? []
  if (fields.length === 0)
    throw invalidArgument('GetModelMetadataRequest must specify at least one metadata_field')
  for (const f of fields)
    if (f !== SIGNATURE_DEF_FIELD) throw invalidArgument(`Metadata field ${f} is not supported`)
  const handle = acquireFor(deps, req.model_spec)
  try {
    const signature_def = Object.fromEntries(
      Object.entries(handle.signatures).map(([key, sig]) => [
        key,
        { inputs: infoMap(sig.inputs), outputs: infoMap(sig.outputs), method_name: sig.methodName },
      ]),
    )
    const value = protoType(SIGNATURE_DEF_MAP).encode({ signature_def }).finish()
    return {
      model_spec: responseSpec(handle),
      metadata: {
        [SIGNATURE_DEF_FIELD]: { type_url: `type.googleapis.com/${SIGNATURE_DEF_MAP}`, value },
      },
    }
  } finally {
    handle.release()
  }
}
