// POST …:predict. The body is parsed before the model is looked up, as TF Serving does (a bad
// body is a 400 even for an unknown model).
// @see https://github.com/tensorflow/serving/blob/master/tensorflow_serving/g3doc/api_rest.md#predict-api
import { DEFAULT_SIGNATURE, type SignatureDef } from '../loaders/types.ts'
import { checkShapes, decodePredictRequest, decodeScannedPredict } from '../rest/decode-predict.ts'
import { encodePredictResponse } from '../rest/encode-predict.ts'
import { invalidArgument } from '../rest/errors.ts'
import { ownValue } from '../rest/own.ts'
import type { ScannedPredict } from '../rest/scan-predict.ts'
import type { AppDeps } from './deps.ts'
import type { ModelPath } from './model-path.ts'

export const findSignature = (
  signatures: Record<string, SignatureDef>,
  name: string,
): SignatureDef => {
  const key = name === '' ? DEFAULT_SIGNATURE : name
  const sig = ownValue(signatures, key)
  if (!sig) throw invalidArgument(`Serving signature name: "${key}" not found in signature def`)
  return sig
}

/** A predict body: read by the byte scanner, or JSON (parsed lazily: the scan may cover it). */
export interface PredictBody {
  scanned?: ScannedPredict
  json: () => unknown
}

export const predict = async (deps: AppDeps, p: ModelPath, body: PredictBody): Promise<string> => {
  let handle: ReturnType<AppDeps['manager']['acquire']> | undefined
  try {
    const specsFor = (name: string) => {
      handle ??= deps.manager.acquire(p.model, p.version, p.label)
      return findSignature(handle.signatures, name).inputs
    }
    const decoded =
      (body.scanned && decodeScannedPredict(body.scanned, specsFor)) ??
      decodePredictRequest(body.json(), specsFor)
    const h = handle as NonNullable<typeof handle>
    const sigKey = decoded.signatureName === '' ? DEFAULT_SIGNATURE : decoded.signatureName
    const sig = findSignature(h.signatures, sigKey)
    if (!sig.shapesAreInformative) checkShapes(decoded.inputs, sig.inputs)
    const outputNames = Object.keys(sig.outputs).sort()
    const outputs = await deps.run(h.key, sigKey, decoded.inputs, outputNames)
    return encodePredictResponse(outputs, sig.outputs, decoded.format)
  } finally {
    handle?.release()
  }
}
