// Error texts TF Serving answers with, in one place so the REST and gRPC front ends say the same
// thing. Each names the source that words it (tensorflow/serving unless it says TensorFlow).

/** http_rest_api_handler.cc:74 — any request the URL grammar or the method does not cover. */
export const malformedRequest = (httpMethod: string, pathAndQuery: string) =>
  `Malformed request: ${httpMethod} ${pathAndQuery}`

/** http_rest_api_handler.cc:188, :210 — GET /v1/models (no name). */
export const MISSING_MODEL_NAME = 'Missing model name in request.'

/** http_server.cc:175 — OPTIONS without an http(s) Origin (answered with an empty body). */
export const CORS_ORIGIN_MISSING = 'Origin header is missing in CORS preflight'

/**
 * TensorFlow's batching (batch_resource_base.cc) for a request with more rows than a batch may
 * hold (INVALID_ARGUMENT): the batcher's max_batch_size and --rest_api_max_batch_rows.
 */
export const taskTooLarge = (rows: number, maxRows: number) =>
  `Task size ${rows} is larger than maximum input batch size ${maxRows}`

/** server_core.cc:890 — a label the model config does not define (INVALID_ARGUMENT). */
export const unrecognizedLabel = (label: string) => `Unrecognized servable version label: ${label}`

/** json_tensor.cc:475 — an empty body (no offset; a whitespace-only body gets rapidjson's). */
export const EMPTY_DOCUMENT = 'JSON Parse error: The document is empty'

/** classifier.cc:196 / regressor.cc:188 — the signature has no input aliased "inputs". */
export const noExampleInput = (method: 'classify' | 'regress', signatureDebug: string) =>
  `No ${method === 'classify' ? 'classification' : 'regression'} inputs found in SignatureDef: ${signatureDebug}`

/** classifier.cc:186 / regressor.cc:180. */
export const EXPECTED_ONE_INPUT = 'Expected one input Tensor.'

/** regressor.cc:183. */
export const EXPECTED_ONE_OUTPUT = 'Expected one output Tensor.'

/** regressor.cc:199. */
export const noRegressionOutputs = (signatureDebug: string) =>
  `No regression outputs found in SignatureDef: ${signatureDebug}`

/** classifier.cc:190. */
export const expectedOneOrTwoOutputs = (n: number) =>
  `Expected one or two output Tensors, found ${n}`

/**
 * TensorFlow's ParseExample (example_proto_fast_parsing.cc) when a feature's list kind is not the
 * dense feature's dtype, e.g. an int64 list for a float feature. `index` is the example's place
 * in the batch.
 */
export const exampleTypeMismatch = (index: number, key: string, got: string, want: string) =>
  `Name: <unknown>, Key: ${key}, Index: ${index}.  Data types don't match. Data type: ${got} but expected type: ${want}`

/** TensorFlow's ParseExample for a required (no default) dense feature that is absent. */
export const exampleFeatureMissing = (key: string, dtype: string) =>
  `Name: <unknown>, Feature: ${key} (data type: ${dtype}) is required but could not be found.`

/** TensorFlow's ParseExample when a dense feature has the wrong number of values. */
export const exampleWrongCount = (
  index: number,
  key: string,
  kindWord: string,
  shape: number[],
  got: number,
) =>
  `Name: <unknown>, Key: ${key}, Index: ${index}.  Number of ${kindWord} values != expected.  Values size: ${got} but output shape: [${shape.join(',')}]`

/** The session's error when a tensor is fed a value of another dtype (TensorFlow). */
export const feedTypeMismatch = (want: string, got: string) =>
  `Expects arg[0] to be ${want} but ${got} is provided`

/** classifier.cc:159 / regressor.cc:154. */
export const noSignatureNamed = (name: string) => `No signature was found with the name: ${name}`

/** classifier.cc:208-211. */
export const noClassesOrScores = (signatureDebug: string) =>
  `Expected classification signature outputs to contain at least one of "classes" or "scores". Signature was: ${signatureDebug}`

/** classifier.cc:257-289: the classes/scores output checks, in TF Serving's order. */
export const classifyOutput = {
  notMatrix: (shape: number[]) =>
    `Expected Tensor shape: [batch_size num_classes] but got [${shape.join(',')}]`,
  wrongDtype: (what: 'classes' | 'scores', got: string) =>
    `Expected ${what} Tensor of ${what === 'classes' ? 'DT_STRING' : 'DT_FLOAT'}. Got: ${got}`,
  wrongBatch: (what: 'classes' | 'scores', want: number, got: number) =>
    `Expected ${what} output batch size of ${want}. Got: ${got}`,
  classesVsScores: (classes: number, scores: number) =>
    `Tensors class and score should match in dim_size(1). Got ${classes} vs. ${scores}`,
}

/** regressor.cc:238-258: the regression output checks, in TF Serving's order. */
export const regressOutput = {
  wrongShape: (shape: number[]) =>
    `Expected output Tensor shape to be either [batch_size] or [batch_size, 1] but got [${shape.join(',')}]`,
  wrongBatch: (want: number, got: number) =>
    `Input batch size did not match output batch size: ${want} vs. ${got}`,
  wrongDtype: (got: string) => `Expected output Tensor of DT_FLOAT.  Got: ${got}`,
}
