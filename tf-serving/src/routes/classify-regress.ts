// POST …:classify and …:regress with tf.Example-style JSON examples.
// @see https://github.com/tensorflow/serving/blob/master/tensorflow_serving/g3doc/api_rest.md#classify-and-regress-api
import type { TensorMap, WireTensor } from '../inference/protocol.ts'
import {
  CLASSIFY_METHOD,
  DEFAULT_SIGNATURE,
  REGRESS_METHOD,
  type SignatureDef,
} from '../loaders/types.ts'
import { checkShapes } from '../rest/decode-predict.ts'
import { invalidArgument } from '../rest/errors.ts'
import {
  decodeExamplesRequest,
  encodeClassification,
  encodeRegression,
  examplesToInputs,
} from '../rest/examples.ts'
import { examplesToFeeds } from '../savedmodel/example/examples-to-feeds.ts'
import type { AppDeps } from './deps.ts'
import type { ModelPath } from './model-path.ts'

const decoder = new TextDecoder()

const signatureFor = (
  sigs: Record<string, SignatureDef>,
  name: string,
  method: 'classify' | 'regress',
) => {
  const key = name === '' ? DEFAULT_SIGNATURE : name
  const sig = sigs[key]
  if (!sig) throw invalidArgument(`No signature was found with the name: ${key}`)
  const want = method === 'classify' ? CLASSIFY_METHOD : REGRESS_METHOD
  if (sig.methodName !== want)
    throw invalidArgument(
      `Expected ${method === 'classify' ? 'classification' : 'regression'} signature method_name to be ${want}. Was: ${sig.methodName}`,
    )
  return { key, sig }
}

const rowsOf2d = (t: WireTensor, n: number, what: string): number => {
  if (t.shape.length !== 2 || t.shape[0] !== n)
    throw invalidArgument(
      `Expected Tensor shape: [batch_size num_classes] but got [${t.shape.join(',')}] for ${what}`,
    )
  return t.shape[1] as number
}

/** What a classify/regress run produced, before the REST or gRPC encoding. */
export type ClassifyRegressResult = {
  /** The servable and signature key that answered (the gRPC response's model_spec). */
  served: { name: string; version: number; signature: string }
} & (
  | { method: 'classify'; rows: { label: string; score: number }[][] }
  | { method: 'regress'; values: number[] }
)

/** Runs a JSON-shaped classify/regress request (REST's, or gRPC's converted to it). */
export const runClassifyOrRegress = async (
  deps: Pick<AppDeps, 'manager' | 'run'>,
  p: Pick<ModelPath, 'model' | 'version' | 'label'>,
  body: unknown,
  method: 'classify' | 'regress',
): Promise<ClassifyRegressResult> => {
  const decoded = decodeExamplesRequest(body, method)
  const handle = deps.manager.acquire(p.model, p.version, p.label)
  try {
    const { key, sig } = signatureFor(handle.signatures, decoded.signatureName, method)
    const served = { name: handle.name, version: handle.version, signature: key }
    let inputs: TensorMap
    if (sig.examples) {
      // SavedModel signature over serialized tf.Examples: feed the parsed features directly.
      const raw = body as { examples: unknown[]; context?: Record<string, unknown> }
      try {
        inputs = examplesToFeeds(sig.examples, raw.examples, raw.context)
      } catch (err) {
        throw invalidArgument((err as Error).message)
      }
    } else {
      inputs = examplesToInputs(decoded, sig.inputs)
      checkShapes(inputs, sig.inputs)
    }
    const n = decoded.examples.length
    if (method === 'regress') {
      const aliases = Object.keys(sig.outputs)
      const alias = sig.outputs.outputs ? 'outputs' : aliases.length === 1 ? aliases[0] : undefined
      if (!alias) throw invalidArgument('Expected one output Tensor.')
      const out = (await deps.run(handle.key, key, inputs, [alias]))[alias] as WireTensor
      const ok =
        out.shape[0] === n &&
        (out.shape.length === 1 || (out.shape.length === 2 && out.shape[1] === 1))
      if (!ok)
        throw invalidArgument(
          `Expected output Tensor shape to be either [batch_size] or [batch_size, 1] but got [${out.shape.join(',')}]`,
        )
      return { served, method, values: Array.from(out.data as Float32Array) }
    }
    const hasScores = 'scores' in sig.outputs
    const hasClasses = 'classes' in sig.outputs
    if (!hasScores && !hasClasses)
      throw invalidArgument(
        'Expected classification signature outputs to contain at least one of "classes" or "scores".',
      )
    const wanted = [...(hasClasses ? ['classes'] : []), ...(hasScores ? ['scores'] : [])]
    const out = await deps.run(handle.key, key, inputs, wanted)
    const scores = out.scores
    const classes = out.classes
    const k = scores ? rowsOf2d(scores, n, 'scores') : rowsOf2d(classes as WireTensor, n, 'classes')
    const rows = Array.from({ length: n }, (_, i) =>
      Array.from({ length: k }, (_, j) => ({
        label: classes
          ? decoder.decode((classes.data as Uint8Array[])[i * k + j])
          : (handle.classLabels?.[j] ?? ''),
        score: scores ? ((scores.data as Float32Array)[i * k + j] as number) : 0,
      })),
    )
    return { served, method, rows }
  } finally {
    handle.release()
  }
}

export const classifyOrRegress = async (
  deps: AppDeps,
  p: ModelPath,
  body: unknown,
  method: 'classify' | 'regress',
): Promise<string> => {
  const result = await runClassifyOrRegress(deps, p, body, method)
  return result.method === 'regress'
    ? encodeRegression(result.values)
    : encodeClassification(result.rows)
}
