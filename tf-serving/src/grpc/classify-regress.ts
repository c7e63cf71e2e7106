// PredictionService.Classify, Regress and MultiInference. The examples are turned into the
// REST body and run by the REST route's implementation, so both APIs give the same answers and
// the same errors.
import { CLASSIFY_METHOD, DEFAULT_SIGNATURE, REGRESS_METHOD } from '../loaders/types.ts'
import { invalidArgument, ServingError } from '../rest/errors.ts'
import { type ClassifyRegressResult, runClassifyOrRegress } from '../routes/classify-regress.ts'
import type { GrpcDeps } from './deps.ts'
import { type InputIn, inputToJsonBody } from './examples.ts'
import { type ModelSpecIn, specTarget } from './model-spec.ts'

export interface ExamplesRequestIn {
  model_spec?: ModelSpecIn | null
  input?: InputIn | null
}

const run = (
  deps: GrpcDeps,
  spec: ModelSpecIn | null | undefined,
  input: InputIn | null | undefined,
  method: 'classify' | 'regress',
) => {
  const t = specTarget(spec)
  const body = inputToJsonBody(input, spec?.signature_name ?? '')
  return runClassifyOrRegress(
    deps,
    { model: t.name, version: t.version, label: t.label },
    body,
    method,
  )
}

const modelSpecOf = (r: ClassifyRegressResult) => ({
  name: r.served.name,
  version: { value: r.served.version },
  signature_name: r.served.signature,
})

const classificationResult = (r: ClassifyRegressResult) =>
  r.method === 'classify' ? { classifications: r.rows.map((classes) => ({ classes })) } : undefined
const regressionResult = (r: ClassifyRegressResult) =>
  r.method === 'regress' ? { regressions: r.values.map((value) => ({ value })) } : undefined

export const grpcClassify = async (deps: GrpcDeps, req: ExamplesRequestIn) => {
  const r = await run(deps, req.model_spec, req.input, 'classify')
  return { model_spec: modelSpecOf(r), result: classificationResult(r) }
}

export const grpcRegress = async (deps: GrpcDeps, req: ExamplesRequestIn) => {
  const r = await run(deps, req.model_spec, req.input, 'regress')
  return { model_spec: modelSpecOf(r), result: regressionResult(r) }
}

export interface MultiInferenceRequestIn {
  tasks: { model_spec?: ModelSpecIn | null; method_name: string }[]
  input?: InputIn | null
}

/** Every task over the same examples, checked as multi_inference.cc checks them. */
export const grpcMultiInference = async (deps: GrpcDeps, req: MultiInferenceRequestIn) => {
  let model: string | undefined
  const seen = new Set<string>()
  for (const task of req.tasks ?? []) {
    const name = task.model_spec?.name ?? ''
    if (name === '') throw invalidArgument('Found ModelSpec with an empty model name.')
    if (model !== undefined && name !== model)
      throw invalidArgument(
        'All ModelSpecs in a MultiInferenceRequest must access the same model name.',
      )
    model = name
    const sig = task.model_spec?.signature_name || DEFAULT_SIGNATURE
    if (seen.has(sig)) throw invalidArgument(`Duplicate evaluation of signature: ${sig}`)
    seen.add(sig)
    if (task.method_name !== CLASSIFY_METHOD && task.method_name !== REGRESS_METHOD)
      throw new ServingError(
        'UNIMPLEMENTED',
        `Unsupported signature method_name: ${task.method_name}`,
      )
  }
  const results = []
  for (const task of req.tasks ?? []) {
    const method = task.method_name === CLASSIFY_METHOD ? 'classify' : 'regress'
    const r = await run(deps, task.model_spec, req.input, method)
    results.push({
      model_spec: modelSpecOf(r),
      classification_result: classificationResult(r),
      regression_result: regressionResult(r),
    })
  }
  return { results }
}
