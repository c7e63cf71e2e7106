/**
 * The contract between the model manager and the code that understands one on-disk model format.
 *
 * A loader turns one version folder (`<base_path>/<version>/`) into `ServableArtifacts`: a
 * TensorFlow.js layers or graph model as `tf.io.ModelArtifacts` plus the signatures TF Serving
 * would report for it. Everything it returns must survive `structuredClone` (plain objects and
 * ArrayBuffers): the manager ships one copy to every inference worker (thread or process), each
 * of which builds its own model with `tf.loadLayersModel` / `tf.loadGraphModel` over
 * `tf.io.fromMemory(artifacts)`. So a new format (SavedModel, …) only has to produce TF.js
 * artifacts + signatures; execution, batching, the REST encoding and hot reload are shared.
 *
 * Rules for implementers
 * - `detect` is cheap (look at file names) and never throws for a foreign folder; the first loader
 *   in `LOADERS` (./index.ts) whose `detect` answers true gets the folder.
 * - `load` throws an Error whose message explains what is wrong; the manager reports it in the
 *   version's `model_version_status` (state END, error) and keeps serving the other versions.
 * - `load` runs on the HTTP process's thread, so it must not block for long: read files with
 *   async I/O; heavy conversion may yield (`await`) between steps.
 * - Signature tensor `name`s are what the executor feeds/fetches: for `kind: 'graph'` a node name
 *   accepted by `GraphModel.execute` (e.g. `x` or `x:0`); for `kind: 'layers'` an input or output
 *   layer name of the LayersModel (`model.inputNames` / `model.outputNames`).
 *
 * @see https://github.com/tensorflow/serving/blob/master/tensorflow_serving/g3doc/api_rest.md
 */
import type { io } from '@tensorflow/tfjs'
import type { ExampleSignature } from '../savedmodel/example/types.ts'

/** The TensorFlow DataTypes we serve, by the enum names TF Serving prints in metadata. */
export const TF_DTYPES = [
  'DT_FLOAT',
  'DT_DOUBLE',
  'DT_INT32',
  'DT_INT64',
  'DT_INT16',
  'DT_INT8',
  'DT_UINT8',
  'DT_UINT16',
  'DT_UINT32',
  'DT_UINT64',
  'DT_BOOL',
  'DT_STRING',
  'DT_HALF',
  'DT_BFLOAT16',
  'DT_COMPLEX64',
] as const
export type TfDtype = (typeof TF_DTYPES)[number]

export const PREDICT_METHOD = 'tensorflow/serving/predict'
export const CLASSIFY_METHOD = 'tensorflow/serving/classify'
export const REGRESS_METHOD = 'tensorflow/serving/regress'
export type MethodName = typeof PREDICT_METHOD | typeof CLASSIFY_METHOD | typeof REGRESS_METHOD

export interface TensorSpec {
  /** Tensor/node name used by the executor (see the rules above). */
  name: string
  dtype: TfDtype
  /** Dimension sizes, -1 where unknown (usually the batch dimension); null = unknown rank. */
  shape: number[] | null
}

export interface SignatureDef {
  methodName: MethodName
  /** alias → tensor; aliases are the keys clients use in `inputs`/`instances`/`outputs`. */
  inputs: Record<string, TensorSpec>
  outputs: Record<string, TensorSpec>
  /**
   * Set by the SavedModel loader when the signature's input is serialized tf.Examples that the
   * graph parsed (ParseExample, cut out at load): classify/regress then build the parsed feature
   * tensors from the JSON examples (`examplesToFeeds`) and feed them by tensor name instead of
   * `inputs`. Not part of the metadata TF Serving reports.
   */
  examples?: ExampleSignature
  /**
   * True for SavedModel signatures: like TF Serving, requests are not checked against the
   * signature's shapes (half_plus_two declares x as [-1,1] yet answers `[1.0, 2.0, 5.0]`); the
   * graph's own ops decide what they accept.
   */
  shapesAreInformative?: boolean
}

/** The conventional default signature key (`signature_name` when a request omits it). */
export const DEFAULT_SIGNATURE = 'serving_default'

export interface ServableArtifacts {
  /** The loader's `format`, shown in logs and /readyz. */
  format: string
  /** How an inference worker instantiates `artifacts`. */
  kind: 'layers' | 'graph'
  artifacts: io.ModelArtifacts
  /** signature key → definition; should contain `serving_default`. */
  signatures: Record<string, SignatureDef>
  /**
   * Class names for classification signatures whose model has no string `classes` output: the
   * i-th score is reported with the i-th label (TF Serving reads these from the model itself).
   */
  classLabels?: string[]
}

export interface ModelLoader {
  /** Short format id, e.g. `tfjs-layers`, `tfjs-graph`, `savedmodel`. */
  format: string
  /** True when `versionDir` holds a model in this format. Must not throw for other folders. */
  detect(versionDir: string): Promise<boolean>
  /** Reads the model; throws an Error with a clear message when it cannot. */
  load(versionDir: string): Promise<ServableArtifacts>
}
