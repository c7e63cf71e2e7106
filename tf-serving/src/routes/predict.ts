// POST …:predict. The body is parsed before the model is looked up, as TF Serving does (a bad
// body is a 400 even for an unknown model).
// @see https://github.com/tensorflow/serving/blob/master/tensorflow_serving/g3doc/api_rest.md#predict-api

import type { TensorMap } from '../inference/protocol.ts'
import { DEFAULT_SIGNATURE, type SignatureDef, type TensorSpec } from '../loaders/types.ts'
import {
  checkShapes,
  type DecodedPredict,
  decodePredictRequest,
  decodeScannedPredict,
} from '../rest/decode-predict.ts'
import { encodePredictResponse } from '../rest/encode-predict.ts'
import { invalidArgument, ServingError } from '../rest/errors.ts'
import { feedTypeMismatch } from '../rest/messages.ts'
import { ownValue } from '../rest/own.ts'
import type { ScannedPredict } from '../rest/scan-predict.ts'
import { examplesToFeeds } from '../savedmodel/example/examples-to-feeds.ts'
import { decodeSerializedExample } from '../savedmodel/example/serialized-example.ts'
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

/**
 * A signature whose input the graph parses with ParseExample (cut out at load): the DT_STRING
 * input carries serialized tf.Examples (`{"b64": …}` values), which are parsed here into the
 * features the graph would have parsed. TF Serving feeds them to the graph as they are
 * (predict_util.cc); a vector (or one scalar) of Examples, as ParseExample takes them.
 */
const serializedExampleFeeds = (sig: SignatureDef, inputs: TensorMap): TensorMap => {
  const tensors = Object.values(inputs)
  const t = tensors[0]
  if (tensors.length !== 1 || !t || t.dtype !== 'string' || !sig.examples)
    throw invalidArgument(
      feedTypeMismatch('string', t ? (t.dtype === 'float32' ? 'float' : t.dtype) : 'nothing'),
    )
  if (t.shape.length > 1)
    throw invalidArgument(`Expected serialized to be a vector, got shape: [${t.shape.join(',')}]`)
  return examplesToFeeds(sig.examples, (t.data as Uint8Array[]).map(decodeSerializedExample))
}

/** A predict body: read by the byte scanner, or JSON (parsed lazily: the scan may cover it). */
export interface PredictBody {
  scanned?: ScannedPredict
  /** Parsed fast (number tokens lost: `1.0` reads as `1`). */
  json: () => unknown
  /** Parsed as rapidjson reads it; undefined when that cannot differ from `json`. */
  exact?: () => unknown
}

const INTEGER_DTYPE = /^DT_U?INT/
const hasIntegerInput = (specs: Record<string, TensorSpec>) =>
  Object.values(specs).some((s) => INTEGER_DTYPE.test(s.dtype))

export const predict = async (deps: AppDeps, p: ModelPath, body: PredictBody): Promise<string> => {
  let handle: ReturnType<AppDeps['manager']['acquire']> | undefined
  try {
    const specsFor = (name: string) => {
      handle ??= deps.manager.acquire(p.model, p.version, p.label)
      return findSignature(handle.signatures, name).inputs
    }
    let integerInputs = false
    const specsTracked = (name: string) => {
      const specs = specsFor(name)
      integerInputs = hasIntegerInput(specs)
      return specs
    }
    // The exact parse (slow on big bodies) only where number tokens change the answer: an
    // integer input refuses `1.0`, and error messages quote values as written.
    const exactly = () => {
      const exact = body.exact?.()
      return exact === undefined ? undefined : decodePredictRequest(exact, specsFor)
    }
    const decodeJson = (): DecodedPredict => {
      let fast: DecodedPredict
      try {
        fast = decodePredictRequest(body.json(), specsTracked)
      } catch (err) {
        // The exact parse words the error as TF Serving would (or, where the fast parse read the
        // body differently, e.g. a repeated key, succeeds). Either way it is the answer: it is
        // not run a second time for integer inputs.
        if (!(err instanceof ServingError)) throw err
        const again = exactly()
        if (!again) throw err
        return again
      }
      return integerInputs ? (exactly() ?? fast) : fast
    }
    const decoded = (body.scanned && decodeScannedPredict(body.scanned, specsFor)) || decodeJson()
    const h = handle as NonNullable<typeof handle>
    const sigKey = decoded.signatureName === '' ? DEFAULT_SIGNATURE : decoded.signatureName
    const sig = findSignature(h.signatures, sigKey)
    if (!sig.shapesAreInformative) checkShapes(decoded.inputs, sig.inputs)
    const outputNames = Object.keys(sig.outputs).sort()
    const inputs = sig.examples ? serializedExampleFeeds(sig, decoded.inputs) : decoded.inputs
    const outputs = await deps.run(h.key, sigKey, inputs, outputNames)
    return encodePredictResponse(outputs, sig.outputs, decoded.format)
  } finally {
    handle?.release()
  }
}
