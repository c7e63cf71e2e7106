// What TensorFlow Serving's REST API answers, case by case, written from its source and its own
// tests (tensorflow/serving; paths below are under tensorflow_serving/). Each row names the file
// and line(s) it was derived from. The rows run against the real tf-serving process serving the
// SavedModel fixtures (rest-conformance.test.ts): `half_plus_two` (TF Serving's test model, y =
// 0.5x + 2, version 123, label "stable" → 123) and `half_plus_three` (our writer's equivalent of
// TF Serving's TF 1.0 export, y = 0.5x + 3; see tf-serving/test/support/savedmodel-writer/half-plus-three.ts).

export interface ConformanceCase {
  name: string
  /** file:line in tensorflow/serving (or TensorFlow, when it says so) the row follows. */
  source: string
  /** 'cors': the server started with --rest_api_enable_cors_support. */
  server?: 'default' | 'cors'
  method: string
  path: string
  requestHeaders?: Record<string, string>
  /** Sent as written (so `1.0` stays a double token). */
  send?: string
  status: number
  /** The whole response body, byte for byte. */
  exact?: string
  /** The response body parsed (NaN/Infinity allowed), deep-equal. */
  json?: unknown
  /** The `error` message, exactly. */
  error?: string
  /** A part of the `error` message (where TF Serving's tests pin only a part). */
  errorContains?: string
  /** Response headers that must be present with these values (lower-case names). */
  headers?: Record<string, string>
  /** Response headers that must be absent. */
  noHeaders?: string[]
}

const P = 'model_servers/http_rest_api_handler.cc'
const PT = 'model_servers/http_rest_api_handler_test.cc'
const U = 'model_servers/http_rest_api_util.cc'
const S = 'model_servers/http_server.cc'
const J = 'util/json_tensor.cc'
const JT = 'util/json_tensor_test.cc'
const MS = 'model_servers/tensorflow_model_server_test.py'

const STATUS_123 = {
  model_version_status: [
    { version: '123', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
  ],
}
const JSON_TYPE = { 'content-type': 'application/json' }
const predict = (send: string, model = 'half_plus_two') => ({
  method: 'POST',
  path: `/v1/models/${model}:predict`,
  send,
})
/** GET of a status path that must answer with half_plus_two's one version, AVAILABLE. */
const status123 = (path: string) => ({ method: 'GET', path, status: 200, json: STATUS_123 })
const regress = (send: string, model = 'half_plus_two') => ({
  method: 'POST',
  path: `/v1/models/${model}:regress`,
  send,
})
const classify = (send: string, model = 'half_plus_two') => ({
  method: 'POST',
  path: `/v1/models/${model}:classify`,
  send,
})
const malformed = (method: string, path: string) => ({
  method,
  path,
  status: 400,
  error: `Malformed request: ${method} ${path}`,
})

export const CASES: ConformanceCase[] = [
  // ---- dispatch: URL grammar, methods, CORS ----
  { name: 'unknown resource under /v1', source: `${PT}:183-186`, ...malformed('GET', '/v1/foo') },
  { name: 'POST to an unknown resource', source: `${PT}:188-191`, ...malformed('POST', '/v1/foo') },
  {
    name: 'status without a model name',
    source: `${PT}:193-196; ${P}:187-189`,
    method: 'GET',
    path: '/v1/models',
    status: 400,
    error: 'Missing model name in request.',
  },
  {
    name: 'extra path segment',
    source: `${PT}:197-200`,
    ...malformed('GET', '/v1/models/debug/model_name'),
  },
  { name: 'POST without a verb', source: `${PT}:202-205`, ...malformed('POST', '/v1/models') },
  {
    name: 'a verb on GET',
    source: `${PT}:207-210`,
    ...malformed('GET', '/v1/models/foo:predict'),
  },
  {
    name: '"version" (singular) is not the grammar',
    source: `${PT}:217-220`,
    ...malformed('POST', '/v1/models/foo/version/50:regress'),
  },
  {
    name: 'a version that is not digits',
    source: `${PT}:222-226`,
    ...malformed('POST', '/v1/models/foo/versions/HELLO:regress'),
  },
  {
    name: 'a version past int64',
    source: `${PT}:228-234; ${U}:115-120`,
    method: 'POST',
    path: '/v1/models/foo/versions/18446744073709551615:regress',
    status: 400,
    error: 'Failed to convert version: 18446744073709551615 to numeric.',
  },
  {
    name: 'metadata on POST',
    source: `${PT}:236-239`,
    ...malformed('POST', '/v1/models/foo/metadata'),
  },
  {
    name: 'both version and label',
    source: `${PT}:247-251`,
    ...malformed('POST', '/v1/models/foo/versions/50/labels/some_label:regress'),
  },
  {
    name: 'the verb is compared case-sensitively after a case-insensitive match',
    source: `${U}:31-32; ${P}:85-96`,
    ...malformed('POST', '/v1/models/half_plus_two:PREDICT'),
  },
  {
    name: 'the rest of the path matches in any case',
    source: `${U}:31-32`,
    method: 'POST',
    path: '/V1/MODELS/half_plus_two/VERSIONS/123:predict',
    send: '{"instances": [1.0]}',
    status: 200,
    json: { predictions: [2.5] },
  },
  {
    name: '/METADATA in capitals is answered as a status request',
    source: `${U}:33-34; ${P}:97-104`,
    ...status123('/v1/models/half_plus_two/METADATA'),
  },
  {
    name: 'the query string is part of the matched path (model name)',
    source: 'util/net_http/server/internal/evhttp_request.cc:105-110, 135-137',
    method: 'GET',
    path: '/v1/models/half_plus_two?x=1',
    status: 404,
    error: 'Could not find any versions of model half_plus_two?x=1',
  },
  {
    name: 'the query string after a verb makes the request malformed',
    source:
      'util/net_http/server/internal/evhttp_request.cc:105-110; model_servers/http_rest_api_util.cc:31-32',
    ...malformed('POST', '/v1/models/half_plus_two:predict?x=1'),
    send: '{"instances": [1.0]}',
  },
  {
    name: 'the model name is percent-decoded',
    source: `${U}:69-88, 109-113`,
    ...status123('/v1/models/half%5Fplus%5Ftwo'),
  },
  {
    name: 'PUT is malformed (400, never 405), with the JSON content type',
    source: `${P}:74-75, 107; ${S}:178-181; util/net_http/server/internal/evhttp_server.cc:114-117`,
    ...malformed('PUT', '/v1/models/half_plus_two'),
    headers: JSON_TYPE,
  },
  {
    name: 'DELETE is malformed',
    source: `${P}:74-75`,
    ...malformed('DELETE', '/v1/models/half_plus_two'),
  },
  {
    name: 'PATCH is malformed',
    source: `${P}:74-75`,
    ...malformed('PATCH', '/v1/models/half_plus_two:predict'),
  },
  {
    name: 'HEAD is malformed too (the body is dropped, as HTTP wants for HEAD)',
    source: `${P}:74-75; util/net_http/server/internal/evhttp_request.cc:67-69`,
    method: 'HEAD',
    path: '/v1/models/half_plus_two',
    status: 400,
    exact: '',
  },
  {
    name: 'OPTIONS with an http(s) Origin is a 200 with an empty body',
    source: `${S}:170-174`,
    method: 'OPTIONS',
    path: '/v1/models/half_plus_two:predict',
    requestHeaders: { origin: 'https://example.com' },
    status: 200,
    exact: '',
    noHeaders: ['content-type', 'access-control-allow-origin'],
  },
  {
    name: 'OPTIONS without an Origin is a 400 with an empty body',
    source: `${S}:175-177, 187-193`,
    method: 'OPTIONS',
    path: '/v1/models/half_plus_two:predict',
    status: 400,
    exact: '',
    noHeaders: ['content-type'],
  },
  {
    name: 'CORS headers on every answer with --rest_api_enable_cors_support',
    source: `${S}:183-185; ${U}:40-44`,
    server: 'cors',
    method: 'GET',
    path: '/v1/models/nope',
    status: 404,
    headers: {
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'POST, GET',
      'access-control-allow-headers': 'Content-Type',
      'content-type': 'application/json',
    },
  },
  {
    name: 'CORS headers on a preflight too',
    source: `${S}:170-185`,
    server: 'cors',
    method: 'OPTIONS',
    path: '/v1/models/half_plus_two:predict',
    requestHeaders: { origin: 'http://localhost:3000' },
    status: 200,
    exact: '',
    headers: { 'access-control-allow-origin': '*' },
    // The CORS headers, not the JSON answers' content type (the preflight has no body).
    noHeaders: ['content-type'],
  },
  {
    name: 'CORS headers on a successful answer too',
    source: `${S}:183-185; ${U}:40-44`,
    server: 'cors',
    method: 'GET',
    path: '/v1/models/half_plus_two',
    status: 200,
    headers: {
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'POST, GET',
      'access-control-allow-headers': 'Content-Type',
      'content-type': 'application/json',
    },
  },
  {
    name: 'no CORS headers without the flag',
    source: `${S}:183-185`,
    method: 'GET',
    path: '/v1/models/half_plus_two',
    status: 200,
    noHeaders: ['access-control-allow-origin'],
  },

  // ---- model status and labels ----
  {
    name: 'status of all versions',
    source: `${MS}:521-548; ${PT}:453-470`,
    ...status123('/v1/models/half_plus_two'),
    headers: JSON_TYPE,
  },
  {
    name: 'status of one version',
    source: `${PT}:472-491`,
    ...status123('/v1/models/half_plus_two/versions/123'),
  },
  {
    name: 'status through a label',
    source: `${PT}:493-512`,
    ...status123('/v1/models/half_plus_two/labels/stable'),
  },
  {
    name: 'status ignores the label: an unknown one still lists every version',
    source: 'model_servers/get_model_status_impl.cc:82-107',
    ...status123('/v1/models/half_plus_two/labels/nope'),
  },
  {
    name: 'status of an unknown version',
    source: 'model_servers/get_model_status_impl.cc:84-91',
    method: 'GET',
    path: '/v1/models/half_plus_two/versions/99',
    status: 404,
    error: 'Could not find version 99 of model half_plus_two',
  },
  {
    name: 'status of an unknown model',
    source: 'model_servers/get_model_status_impl.cc:96-101',
    method: 'GET',
    path: '/v1/models/nope',
    status: 404,
    error: 'Could not find any versions of model nope',
  },
  {
    name: 'metadata through an unknown label is INVALID_ARGUMENT',
    source: 'model_servers/server_core.cc:853-861, 873-891',
    method: 'GET',
    path: '/v1/models/half_plus_two/labels/nope/metadata',
    status: 400,
    error: 'Unrecognized servable version label: nope',
  },
  {
    name: 'predict through an unknown label is INVALID_ARGUMENT',
    source: `${PT}:310-319; model_servers/server_core.cc:890-891`,
    method: 'POST',
    path: '/v1/models/half_plus_two/labels/nope:predict',
    send: '{"instances": [1.0]}',
    status: 400,
    error: 'Unrecognized servable version label: nope',
  },
  {
    name: 'predict through a known label',
    source: `${PT}:310-319`,
    method: 'POST',
    path: '/v1/models/half_plus_two/labels/stable:predict',
    send: '{"instances": [1.0]}',
    status: 200,
    json: { predictions: [2.5] },
  },

  // ---- predict: parsing, formats, errors ----
  {
    name: 'an empty body',
    source: `${J}:474-476; ${PT}:290-295`,
    ...predict(''),
    status: 400,
    exact: '{\n    "error": "JSON Parse error: The document is empty"\n}',
  },
  {
    name: "a body of blanks gets rapidjson's own wording and offset",
    source: `${J}:486-489`,
    ...predict('   '),
    status: 400,
    error: 'JSON Parse error: The document is empty. at offset: 3',
  },
  {
    name: 'not JSON',
    source: `${PT}:297-301; ${J}:486-489`,
    ...predict('instances = [1, 2]'),
    status: 400,
    error: 'JSON Parse error: Invalid value. at offset: 0',
  },
  {
    name: 'a cut-off body',
    source: `${J}:486-489`,
    ...predict('{"instances": [1.0,'),
    status: 400,
    error: 'JSON Parse error: Invalid value. at offset: 19',
  },
  {
    name: 'offsets count bytes, not characters',
    source: `${J}:486-489`,
    ...predict('{"é": 1 2}'),
    status: 400,
    error: "JSON Parse error: Missing a comma or '}' after an object member. at offset: 9",
  },
  {
    name: 'a parse error comes before the model lookup',
    source: `${P}:159-171; ${J}:659-666`,
    ...predict('{', 'nope'),
    status: 400,
    error: 'JSON Parse error: Missing a name for object member. at offset: 1',
  },
  {
    name: 'a body that is not an object',
    source: `${J}:498-500, 225-236`,
    ...predict('[1, 2]'),
    status: 400,
    error: 'JSON Value: [1, 2] Is not object',
  },
  {
    name: 'signature_name must be a string (quoted as rapidjson prints it)',
    source: `${PT}:321-327; ${J}:280-284`,
    ...predict('{ "signature_name": 100 }'),
    status: 400,
    error:
      'JSON Value: {\n    "signature_name": 100\n} not formatted correctly. \'signature_name\' key must be a string value.',
  },
  {
    name: 'strings for a float input',
    source: `${PT}:303-308; ${J}:262-267`,
    ...predict('{ "instances": ["x", "y"] }'),
    status: 400,
    errorContains: 'not of expected type: float',
  },
  {
    name: 'unknown model on predict',
    source: `${PT}:264-268`,
    ...predict('{ "instances": [1] }', 'foo'),
    status: 404,
    error: 'Servable not found for request: Latest(foo)',
  },
  {
    name: 'unknown signature on predict',
    source: `${P}:233-239`,
    ...predict('{"signature_name": "nope", "instances": [1.0]}'),
    status: 400,
    error: 'Serving signature name: "nope" not found in signature def',
  },
  {
    name: 'both instances and inputs',
    source: `${J}:677-682`,
    ...predict('{"instances": [1.0], "inputs": [1.0]}'),
    status: 400,
    errorContains:
      "Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist",
  },
  {
    name: 'neither instances nor inputs',
    source: `${J}:704`,
    ...predict('{"signature_name": "serving_default"}'),
    status: 400,
    error: "Missing 'inputs' or 'instances' key",
  },
  {
    name: 'empty instances',
    source: `${J}:687-690`,
    ...predict('{"instances": []}'),
    status: 400,
    error: 'JSON Value: {\n    "instances": []\n} No values in \'instances\' array',
  },
  {
    name: 'row format, byte for byte',
    source: `${MS}:479-498; ${J}:1001-1024, 137-170`,
    ...predict('{"instances": [1.0, 2.0, 5.0]}'),
    status: 200,
    exact: '{\n    "predictions": [2.5, 3.0, 4.5\n    ]\n}',
    headers: JSON_TYPE,
  },
  {
    name: 'columnar format, byte for byte (one element per line)',
    source: `${MS}:500-519; ${J}:1028-1048`,
    ...predict('{"inputs": [2.0, 3.0, 4.0]}'),
    status: 200,
    exact: '{\n    "outputs": [\n        3.0,\n        3.5,\n        4.0\n    ]\n}',
  },
  {
    name: 'float formatting: %g six digits, exponent as printf, .0 on whole numbers',
    source: `${JT}:924-949; ${J}:137-162`,
    ...predict('{"instances": [17999996.0, 1999994.0, 1.0]}'),
    status: 200,
    exact: '{\n    "predictions": [9e+06, 999999.0, 2.5\n    ]\n}',
  },
  {
    name: 'non-finite values in and out',
    source: `${JT}:951-972; ${J}:163-167, 483-485`,
    ...predict('{"instances": [NaN, Infinity, -Infinity]}'),
    status: 200,
    exact: '{\n    "predictions": [NaN, Infinity, -Infinity\n    ]\n}',
  },
  {
    name: 'columnar keys that are not inputs are ignored',
    source: `${J}:631-646`,
    ...predict('{"inputs": {"x": [1.0], "not_an_input": "ignored"}}'),
    status: 200,
    json: { outputs: [2.5] },
  },
  {
    name: 'top-level keys other than the known ones are ignored',
    source: 'util/json_tensor.h:63-64',
    ...predict('{"instances": [1.0], "note": {"any": "thing"}}'),
    status: 200,
    json: { predictions: [2.5] },
  },

  {
    name: 'serialized tf.Examples as {"b64"} into a DT_STRING input the graph parses',
    source: `${J}:358-389, 405-409; servables/tensorflow/predict_util.cc:84-110`,
    ...predict(
      // Two Examples: x = [2.0] and x = [10.0] (float_list), base64 of the serialized protos.
      '{"signature_name": "classify_x_to_y", "instances": [{"b64": "Cg8KDQoBeBIIEgYKBAAAAEA="}, {"b64": "Cg8KDQoBeBIIEgYKBAAAIEE="}]}',
    ),
    status: 200,
    exact: '{\n    "predictions": [[3.0], [7.0]\n    ]\n}',
  },
  {
    name: 'a serialized Example whose feature kind the graph does not parse',
    source:
      'TensorFlow core/util/example_proto_fast_parsing.cc (FastParseSerializedExample, "Data types don\'t match")',
    ...predict(
      '{"signature_name": "classify_x_to_y", "instances": [{"b64": "CgwKCgoBeBIFGgMKAQI="}]}',
    ),
    status: 400,
    error:
      "Name: <unknown>, Key: x, Index: 0.  Data types don't match. Data type: int64 but expected type: float",
  },
  {
    name: 'a plain string into a DT_STRING input is taken as it is (here: not an Example)',
    source: `${J}:311-314`,
    ...predict('{"signature_name": "classify_x_to_y", "instances": ["not a proto"]}'),
    status: 400,
    errorContains: 'Could not parse example input',
  },

  {
    name: 'integers in and out of an int32 input (no ".0" on ints)',
    source: `${J}:303-309, 900-905`,
    ...predict('{"instances": [1, -2, 3]}', 'int_identity'),
    status: 200,
    exact: '{\n    "predictions": [1, -2, 3\n    ]\n}',
  },
  {
    name: 'a number written as a double is refused by an int32 input',
    source: `${J}:303-309, 580-586`,
    ...predict('{"instances": [1, 2.0]}', 'int_identity'),
    status: 400,
    error:
      "Failed to process element: 1 of 'instances' list. Error: INVALID_ARGUMENT: JSON Value: 2.0 Type: Number is not of expected type: int32",
  },

  // ---- classify and regress ----
  {
    name: 'classify, byte for byte: key "results", one line per example',
    source: `${MS}:439-457; ${J}:82, 1068-1102`,
    ...classify('{"signature_name": "classify_x_to_y", "examples": [{"x": 2.0}]}'),
    status: 200,
    exact: '{\n    "results": [[["", 3.0]]\n    ]\n}',
  },
  {
    name: 'regress, byte for byte: key "results", one line',
    source: `${MS}:459-477; ${J}:82, 1104-1127`,
    ...regress('{"signature_name": "regress_x_to_y", "examples": [{"x": 2.0}]}'),
    status: 200,
    exact: '{\n    "results": [3.0]\n}',
  },
  {
    name: 'regress through the handler test numbers',
    source: `${PT}:391-396`,
    ...regress('{"signature_name": "regress_x_to_y", "examples": [ { "x": 80.0 } ] }'),
    status: 200,
    json: { results: [42] },
  },
  {
    name: 'classify through a label',
    source: `${PT}:435-443`,
    method: 'POST',
    path: '/v1/models/half_plus_two/labels/stable:classify',
    send: '{"signature_name": "classify_x_to_y", "examples": [ { "x": 10.0 } ] }',
    status: 200,
    json: { results: [[['', 7]]] },
  },
  {
    name: 'two examples, two lines of results',
    source: `${J}:1079-1098`,
    ...classify('{"signature_name": "classify_x_to_y", "examples": [{"x": 2.0}, {"x": 4.0}]}'),
    status: 200,
    exact: '{\n    "results": [[["", 3.0]], [["", 4.0]]\n    ]\n}',
  },
  {
    name: 'an integer token is an int64 feature, refused by a float ParseExample',
    source:
      'util/json_tensor.cc:774-790; TensorFlow core/util/example_proto_fast_parsing.cc (FastParseSerializedExample, "Data types don\'t match")',
    ...regress('{"signature_name": "regress_x_to_y", "examples": [{"x": 2}]}'),
    status: 400,
    error:
      "Name: <unknown>, Key: x, Index: 0.  Data types don't match. Data type: int64 but expected type: float",
  },
  {
    name: 'a required feature that is absent',
    source:
      'TensorFlow core/util/example_proto_fast_parsing.cc ("is required but could not be found")',
    ...regress('{"signature_name": "regress_x_to_y", "examples": [{"y": 2.0}]}'),
    status: 400,
    error: 'Name: <unknown>, Feature: x (data type: float) is required but could not be found.',
  },
  {
    name: 'context fills what an example lacks; the example wins where both have it',
    source: `${J}:826-834; servables/tensorflow/util.cc:183-203`,
    ...regress(
      '{"signature_name": "regress_x_to_y", "context": {"x": 10.0}, "examples": [{}, {"x": 2.0}]}',
    ),
    status: 200,
    json: { results: [7, 3] },
  },
  {
    name: 'missing examples (worded "classify" for regress too)',
    source: `${J}:837-842`,
    ...regress('{"signature_name": "regress_x_to_y"}'),
    status: 400,
    error:
      'JSON Value: {\n    "signature_name": "regress_x_to_y"\n} When method is classify, key \'examples\' is expected and was not found',
  },
  {
    name: 'examples must be a list',
    source: `${J}:843-847`,
    ...regress('{"examples": {}}'),
    status: 400,
    errorContains: "Expecting 'examples' value to be an list/array",
  },
  {
    name: 'examples must not be empty',
    source: `${J}:848-851`,
    ...regress('{"examples": []}'),
    status: 400,
    errorContains: "'examples' value is an empty array",
  },
  {
    name: 'a feature list mixing int64 and float',
    source: `${JT}:1496-1502; ${J}:709-733`,
    ...regress('{"examples": [ { "names": [ 10, 10.0 ] } ]}'),
    status: 400,
    error: 'Unexpected element type in feature: names expecting type: int64',
  },
  {
    name: 'a null in a feature list',
    source: `${JT}:1486-1492; ${J}:740-743`,
    ...regress('{"examples": [ { "names": [ 10, null ] } ]}'),
    status: 400,
    error: 'Feature: names has element with unexpected JSON type: Null',
  },
  {
    name: 'a uint64 feature value',
    source: `${JT}:1525-1531; ${J}:784-788`,
    ...regress('{"examples": [ { "names": [ 20, 18446744073709551603 ] } ]}'),
    status: 400,
    error: 'Feature: names has uint64_t element. Only int64_t is supported.',
  },
  {
    name: 'an example that is not an object',
    source: `${JT}:1476-1482; ${J}:798-801`,
    ...classify('{"examples": [1]}'),
    status: 400,
    error: 'Example must be JSON object but got JSON Number',
  },
  {
    name: 'examples are checked before the model is looked up',
    source: `${P}:111-126`,
    ...regress('{"examples": [ { "names": [ 10, null ] } ]}', 'nope'),
    status: 400,
    error: 'Feature: names has element with unexpected JSON type: Null',
  },
  {
    name: 'unknown model on regress',
    source: 'servables/tensorflow/regression_service.cc (GetServableHandle)',
    ...regress('{"examples": [{"x": 1.0}]}', 'nope'),
    status: 404,
    error: 'Servable not found for request: Latest(nope)',
  },
  {
    name: 'unknown signature on classify',
    source: 'servables/tensorflow/classifier.cc:157-161',
    ...classify('{"signature_name": "nope", "examples": [{"x": 1.0}]}'),
    status: 400,
    error: 'No signature was found with the name: nope',
  },
  {
    name: 'regress on the default (predict) signature: no "inputs" alias',
    source:
      'servables/tensorflow/regressor.cc:162-164, 186-191 (method check off: model_servers/server.h:102)',
    ...regress('{"examples": [{"x": 1.0}]}'),
    status: 400,
    error:
      'No regression inputs found in SignatureDef: inputs {\n  key: "x"\n  value {\n    name: "x:0"\n    dtype: DT_FLOAT\n    tensor_shape {\n      dim {\n        size: -1\n      }\n      dim {\n        size: 1\n      }\n    }\n  }\n}\noutputs {\n  key: "y"\n  value {\n    name: "y:0"\n    dtype: DT_FLOAT\n    tensor_shape {\n      dim {\n        size: -1\n      }\n      dim {\n        size: 1\n      }\n    }\n  }\n}\nmethod_name: "tensorflow/serving/predict"\n',
  },
  {
    name: 'classify on a regression signature: no classes or scores',
    source: 'servables/tensorflow/classifier.cc:204-212',
    ...classify('{"signature_name": "regress_x_to_y", "examples": [{"x": 1.0}]}'),
    status: 400,
    errorContains:
      'Expected classification signature outputs to contain at least one of "classes" or "scores". Signature was: inputs {\n  key: "inputs"',
  },

  // ---- half_plus_three: a TF 1.0 export with a DT_FLOAT-declared Example input ----
  {
    name: 'half_plus_three predict',
    source: `${MS}:290-298`,
    ...predict('{"instances": [2.0]}', 'half_plus_three'),
    status: 200,
    json: { predictions: [4] },
  },
  {
    name: 'half_plus_three regress feeds Examples to the DT_FLOAT-declared input',
    source: `servables/tensorflow/util.cc:213-236; ${MS}:290-298`,
    ...regress(
      '{"signature_name": "tensorflow/serving/regress", "examples": [{"x": 2.0}, {"x": 4.0}]}',
      'half_plus_three',
    ),
    status: 200,
    exact: '{\n    "results": [4.0, 5.0]\n}',
  },
  {
    name: 'half_plus_three classify: its only Example signature has no classes or scores',
    source: 'servables/tensorflow/classifier.cc:204-212',
    ...classify(
      '{"signature_name": "tensorflow/serving/regress", "examples": [{"x": 2.0}]}',
      'half_plus_three',
    ),
    status: 400,
    errorContains:
      'Expected classification signature outputs to contain at least one of "classes" or "scores". Signature was: inputs {\n  key: "inputs"\n  value {\n    name: "tf_example:0"\n    dtype: DT_FLOAT\n',
  },
]
