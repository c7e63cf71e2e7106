// POST …:classify and …:regress with tf.Example-style JSON examples. SavedModel signatures follow
// TF Serving's classifier/regressor; TF.js models (no ParseExample to feed) keep our feature-named
// inputs (README, "Differences from TensorFlow Serving").
// @see https://github.com/tensorflow/serving/blob/master/tensorflow_serving/g3doc/api_rest.md#classify-and-regress-api
import type { TensorMap, WireTensor } from '../inference/protocol.ts'
import {
  CLASSIFY_METHOD,
  DEFAULT_SIGNATURE,
  REGRESS_METHOD,
  type SignatureDef,
  type TensorSpec,
} from '../loaders/types.ts'
import { checkShapes } from '../rest/decode-predict.ts'
import { dataTypeString } from '../rest/dtypes.ts'
import { invalidArgument, ServingError } from '../rest/errors.ts'
import {
  type DecodedExamples,
  decodeExamplesRequest,
  encodeClassification,
  encodeRegression,
  examplesToInputs,
} from '../rest/examples.ts'
import {
  classifyOutput,
  EXPECTED_ONE_INPUT,
  EXPECTED_ONE_OUTPUT,
  expectedOneOrTwoOutputs,
  feedTypeMismatch,
  noClassesOrScores,
  noExampleInput,
  noRegressionOutputs,
  noSignatureNamed,
  regressOutput,
} from '../rest/messages.ts'
import { hasOwnKey, ownValue } from '../rest/own.ts'
import { signatureDebugString } from '../rest/signature-debug.ts'
import { examplesToFeeds } from '../savedmodel/example/examples-to-feeds.ts'
import type { AppDeps } from './deps.ts'
import type { ModelPath } from './model-path.ts'

const decoder = new TextDecoder()

/** TF.js models: a classify/regress signature whose inputs are named after features. */
const checkMethodName = (sig: SignatureDef, method: 'classify' | 'regress') => {
  const want = method === 'classify' ? CLASSIFY_METHOD : REGRESS_METHOD
  if (sig.methodName !== want)
    throw invalidArgument(
      `Expected ${method === 'classify' ? 'classification' : 'regression'} signature method_name to be ${want}. Was: ${sig.methodName}`,
    )
}

/**
 * SavedModel signatures get TF Serving's checks, in its order (PreProcessClassification,
 * classifier.cc:176-222; PreProcessRegression, regressor.cc:170-206). The method_name is not
 * checked: --enable_signature_method_name_check is off by default (server.h:102, util.cc:104).
 */
const checkSavedModelSignature = (sig: SignatureDef, method: 'classify' | 'regress') => {
  if (Object.keys(sig.inputs).length !== 1) throw invalidArgument(EXPECTED_ONE_INPUT)
  const outputs = Object.keys(sig.outputs).length
  if (method === 'classify' && outputs !== 1 && outputs !== 2)
    throw invalidArgument(expectedOneOrTwoOutputs(outputs))
  if (method === 'regress' && outputs !== 1) throw invalidArgument(EXPECTED_ONE_OUTPUT)
  if (!hasOwnKey(sig.inputs, 'inputs'))
    throw invalidArgument(noExampleInput(method, signatureDebugString(sig)))
  if (method === 'regress' && !hasOwnKey(sig.outputs, 'outputs'))
    throw invalidArgument(noRegressionOutputs(signatureDebugString(sig)))
  if (method === 'classify' && classifyOutputs(sig).length === 0)
    throw invalidArgument(noClassesOrScores(signatureDebugString(sig)))
}

/** The outputs a classification asks for: "classes" and "scores", those the signature has. */
const classifyOutputs = (sig: SignatureDef) =>
  ['classes', 'scores'].filter((o) => hasOwnKey(sig.outputs, o))

/**
 * n rows of k (label, score) pairs, read from the classes and scores outputs (either may be
 * missing: no classes gives `labelAt(j)`, no scores gives 0).
 */
const labelScoreRows = (
  n: number,
  k: number,
  classes: WireTensor | undefined,
  scores: WireTensor | undefined,
  labelAt: (j: number) => string,
) =>
  Array.from({ length: n }, (_, i) =>
    Array.from({ length: k }, (_, j) => ({
      label: classes ? decoder.decode((classes.data as Uint8Array[])[i * k + j]) : labelAt(j),
      score: scores ? ((scores.data as Float32Array)[i * k + j] as number) : 0,
    })),
  )

/**
 * The serialized Examples TF Serving feeds to the "inputs" tensor, whatever dtype it declares
 * (util.cc:213-236); here the loader cut the graph's ParseExample out, so the parsed features are
 * fed instead. A graph that does not parse them cannot take them.
 */
const savedModelFeeds = (sig: SignatureDef, decoded: DecodedExamples): TensorMap => {
  const input = sig.inputs.inputs as TensorSpec
  if (!sig.examples) {
    if (input.dtype !== 'DT_STRING')
      throw invalidArgument(feedTypeMismatch(dataTypeString(input.dtype), 'string'))
    throw new ServingError(
      'UNIMPLEMENTED',
      `The graph behind input '${input.name}' does not parse tf.Examples with ParseExample, which is how tf-serving feeds classify/regress examples`,
    )
  }
  return examplesToFeeds(sig.examples, decoded.examples, decoded.context)
}

/** PostProcessClassificationResult (classifier.cc:224-323). */
const classificationRows = (sig: SignatureDef, out: TensorMap, n: number) => {
  const check = (t: WireTensor | undefined, what: 'classes' | 'scores') => {
    if (!t) return
    if (t.shape.length !== 2) throw invalidArgument(classifyOutput.notMatrix(t.shape))
    const want = what === 'classes' ? 'string' : 'float32'
    if (t.dtype !== want)
      throw invalidArgument(classifyOutput.wrongDtype(what, sig.outputs[what]?.dtype ?? t.dtype))
    if (t.shape[0] !== n)
      throw invalidArgument(classifyOutput.wrongBatch(what, n, t.shape[0] as number))
  }
  const classes = out.classes
  const scores = out.scores
  check(classes, 'classes')
  check(scores, 'scores')
  if (classes && scores && classes.shape[1] !== scores.shape[1])
    throw invalidArgument(
      classifyOutput.classesVsScores(classes.shape[1] as number, scores.shape[1] as number),
    )
  const k = (classes ?? scores)?.shape[1] ?? 0
  return labelScoreRows(n, k, classes, scores, () => '')
}

/** PostProcessRegressionResult (regressor.cc:208-270). */
const regressionValues = (sig: SignatureDef, t: WireTensor, n: number) => {
  if (!(t.shape.length === 1 || (t.shape.length === 2 && t.shape[1] === 1)))
    throw invalidArgument(regressOutput.wrongShape(t.shape))
  if (t.shape[0] !== n) throw invalidArgument(regressOutput.wrongBatch(n, t.shape[0] as number))
  if (t.dtype !== 'float32')
    throw invalidArgument(regressOutput.wrongDtype(sig.outputs.outputs?.dtype ?? t.dtype))
  return Array.from(t.data as Float32Array)
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
  const decoded = decodeExamplesRequest(body)
  const handle = deps.manager.acquire(p.model, p.version, p.label)
  try {
    const key = decoded.signatureName === '' ? DEFAULT_SIGNATURE : decoded.signatureName
    const sig = ownValue(handle.signatures, key)
    if (!sig) throw invalidArgument(noSignatureNamed(key))
    const served = { name: handle.name, version: handle.version, signature: key }
    const n = decoded.examples.length
    if (sig.shapesAreInformative) {
      checkSavedModelSignature(sig, method)
      const feeds = savedModelFeeds(sig, decoded)
      if (method === 'regress') {
        const out = await deps.run(handle.key, key, feeds, ['outputs'])
        return { served, method, values: regressionValues(sig, out.outputs as WireTensor, n) }
      }
      const out = await deps.run(handle.key, key, feeds, classifyOutputs(sig))
      return { served, method, rows: classificationRows(sig, out, n) }
    }
    checkMethodName(sig, method)
    const inputs = examplesToInputs(decoded, sig.inputs)
    checkShapes(inputs, sig.inputs)
    if (method === 'regress') {
      const aliases = Object.keys(sig.outputs)
      const alias = hasOwnKey(sig.outputs, 'outputs')
        ? 'outputs'
        : aliases.length === 1
          ? aliases[0]
          : undefined
      if (!alias) throw invalidArgument(EXPECTED_ONE_OUTPUT)
      const out = (await deps.run(handle.key, key, inputs, [alias]))[alias] as WireTensor
      return { served, method, values: regressionValues(sig, out, n) }
    }
    const wanted = classifyOutputs(sig)
    if (wanted.length === 0)
      throw invalidArgument(
        'Expected classification signature outputs to contain at least one of "classes" or "scores".',
      )
    const out = await deps.run(handle.key, key, inputs, wanted)
    const scores = out.scores
    const classes = out.classes
    const k = scores ? rowsOf2d(scores, n, 'scores') : rowsOf2d(classes as WireTensor, n, 'classes')
    const rows = labelScoreRows(n, k, classes, scores, (j) => handle.classLabels?.[j] ?? '')
    return { served, method, rows }
  } finally {
    handle.release()
  }
}

/** REST's classify/regress: the run, encoded as TF Serving's JSON (`{"results": …}`). */
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
