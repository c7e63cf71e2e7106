// PredictionService.Predict: TensorProtos in, TensorProtos out, with TF Serving's checks and
// messages (predict_util.cc: VerifyRequestInputsSize, output_filter; tensorflow/cc/saved_model/
// util.cc: GetInputValues). Signature lookup and shape checks are the REST route's.

import type { TensorMap } from '../inference/protocol.ts'
import { DEFAULT_SIGNATURE, type SignatureDef } from '../loaders/types.ts'
import { checkShapes } from '../rest/decode-predict.ts'
import { invalidArgument } from '../rest/errors.ts'
import { hasOwnKey } from '../rest/own.ts'
import { findSignature } from '../routes/predict.ts'
import type { GrpcDeps } from './deps.ts'
import { acquireFor, type ModelSpecIn, responseSpec } from './model-spec.ts'
import { decodeTensorProto, encodeTensorProto, type TensorProtoIn } from './tensor-proto.ts'

export interface PredictRequestIn {
  model_spec?: ModelSpecIn | null
  inputs: Record<string, TensorProtoIn>
  output_filter: string[]
}

const keys = (m: object) => Object.keys(m).sort()

const decodeInputs = (sig: SignatureDef, inputs: Record<string, TensorProtoIn>): TensorMap => {
  const sent = keys(inputs)
  const want = keys(sig.inputs)
  if (sent.length !== want.length) {
    const extra = sent.filter((k) => !hasOwnKey(sig.inputs, k))
    const missing = want.filter((k) => !hasOwnKey(inputs, k))
    throw invalidArgument(
      `input size does not match signature: ${sent.length}!=${want.length} len({${sent.join(',')}}) != len({${want.join(',')}}). Sent extra: {${extra.join(',')}}. Missing but required: {${missing.join(',')}}.`,
    )
  }
  const out: TensorMap = {}
  want.forEach((alias, i) => {
    const t = inputs[alias]
    const spec = sig.inputs[alias]
    if (!t || !spec)
      throw invalidArgument(
        `Signature input alias: ${alias}(feed name: ${spec?.name ?? ''}) not found in request and no default value provided. Inputs expected to be in the request {${sent.join(',')}}, or default input alias set: `,
      )
    out[alias] = decodeTensorProto(t, spec, alias, i)
  })
  return out
}

const outputAliases = (sig: SignatureDef, filter: string[]): string[] => {
  if (filter.length === 0) return keys(sig.outputs)
  const seen = new Set<string>()
  for (const alias of filter) {
    if (!hasOwnKey(sig.outputs, alias))
      throw invalidArgument(
        `output tensor alias not found in signature: ${alias} Outputs expected to be in the set {${keys(sig.outputs).join(',')}}.`,
      )
    if (seen.has(alias)) throw invalidArgument(`duplicate output tensor alias: ${alias}`)
    seen.add(alias)
  }
  return filter
}

export const grpcPredict = async (deps: GrpcDeps, req: PredictRequestIn) => {
  const handle = acquireFor(deps, req.model_spec)
  try {
    const key = req.model_spec?.signature_name || DEFAULT_SIGNATURE
    const sig = findSignature(handle.signatures, key)
    const inputs = decodeInputs(sig, req.inputs ?? {})
    if (!sig.shapesAreInformative) checkShapes(inputs, sig.inputs)
    const aliases = outputAliases(sig, req.output_filter ?? [])
    const outputs = await deps.run(handle.key, key, inputs, aliases)
    const encoded: Record<string, ReturnType<typeof encodeTensorProto>> = {}
    for (const alias of aliases) {
      const t = outputs[alias]
      if (t)
        encoded[alias] = encodeTensorProto(
          t,
          sig.outputs[alias]?.dtype ?? 'DT_FLOAT',
          deps.tensorContentOutputs,
        )
    }
    return { model_spec: responseSpec(handle, key), outputs: encoded }
  } finally {
    handle.release()
  }
}
