// Every field of tf-serving/proto/*.proto has the number TensorFlow Serving / TensorFlow give it.
// Sources (tensorflow/serving 9d981c5, tensorflow/tensorflow): tensorflow_serving/apis/*.proto,
// tensorflow_serving/config/model_server_config.proto, file_system_storage_path_source.proto;
// tensorflow/core/framework/{tensor,tensor_shape,types}.proto, core/protobuf/meta_graph.proto,
// core/example/{feature,example}.proto; grpc/health/v1/health.proto,
// grpc/reflection/v1alpha/reflection.proto; google/protobuf wrappers/any. The SavedModel
// loader's tensorflow_saved_model.proto: tensorflow/core/framework/{attr_value,node_def,op_def,
// function,graph,versions,tensor_slice}.proto and tensorflow/core/protobuf/{saved_model,
// meta_graph,saver,saved_object_graph,trackable_object_graph,tensor_bundle}.proto.
import { expect, test } from 'bun:test'
import { parseProtoFiles, tfServingProtos } from '@tweetbot/common/grpc'
import type protobuf from 'protobufjs'
import { DTYPE_NUMBER } from '../src/grpc/tensor-proto.ts'
import { TF_DTYPES } from '../src/loaders/types.ts'
import { SAVED_MODEL_PROTO_FILES } from '../src/savedmodel/proto/schema.ts'

// message → field → number, with the upstream file:line each comes from.
const FIELDS: Record<string, Record<string, number>> = {
  'google.protobuf.Int64Value': { value: 1 },
  'google.protobuf.Any': { type_url: 1, value: 2 },
  // tensor_shape.proto
  'tensorflow.TensorShapeProto': { dim: 2, unknown_rank: 3 },
  'tensorflow.TensorShapeProto.Dim': { size: 1, name: 2 },
  // tensor.proto
  'tensorflow.TensorProto': {
    dtype: 1,
    tensor_shape: 2,
    version_number: 3,
    tensor_content: 4,
    float_val: 5,
    double_val: 6,
    int_val: 7,
    string_val: 8,
    int64_val: 10,
    bool_val: 11,
    half_val: 13,
    uint32_val: 16,
    uint64_val: 17,
  },
  // meta_graph.proto (TensorInfo, SignatureDef)
  'tensorflow.TensorInfo': { name: 1, dtype: 2, tensor_shape: 3 },
  'tensorflow.SignatureDef': { inputs: 1, outputs: 2, method_name: 3 },
  // feature.proto, example.proto
  'tensorflow.BytesList': { value: 1 },
  'tensorflow.FloatList': { value: 1 },
  'tensorflow.Int64List': { value: 1 },
  'tensorflow.Feature': { bytes_list: 1, float_list: 2, int64_list: 3 },
  'tensorflow.Features': { feature: 1 },
  'tensorflow.Example': { features: 1 },
  // model.proto:10-36
  'tensorflow.serving.ModelSpec': { name: 1, version: 2, version_label: 4, signature_name: 3 },
  // predict.proto:13-31, 203-208
  'tensorflow.serving.PredictRequest': { model_spec: 1, inputs: 2, output_filter: 3 },
  'tensorflow.serving.PredictResponse': { model_spec: 2, outputs: 1 },
  // input.proto:15-82
  'tensorflow.serving.ExampleList': { examples: 1 },
  'tensorflow.serving.ExampleListWithContext': { examples: 1, context: 2 },
  'tensorflow.serving.Input': { example_list: 1, example_list_with_context: 2 },
  // classification.proto:11-48
  'tensorflow.serving.Class': { label: 1, score: 2 },
  'tensorflow.serving.Classifications': { classes: 1 },
  'tensorflow.serving.ClassificationResult': { classifications: 1 },
  'tensorflow.serving.ClassificationRequest': { model_spec: 1, input: 2 },
  'tensorflow.serving.ClassificationResponse': { model_spec: 2, result: 1 },
  // regression.proto:11-37
  'tensorflow.serving.Regression': { value: 1 },
  'tensorflow.serving.RegressionResult': { regressions: 1 },
  'tensorflow.serving.RegressionRequest': { model_spec: 1, input: 2 },
  'tensorflow.serving.RegressionResponse': { model_spec: 2, result: 1 },
  // inference.proto:23-59
  'tensorflow.serving.InferenceTask': { model_spec: 1, method_name: 2 },
  'tensorflow.serving.InferenceResult': {
    model_spec: 1,
    classification_result: 2,
    regression_result: 3,
  },
  'tensorflow.serving.MultiInferenceRequest': { tasks: 1, input: 2 },
  'tensorflow.serving.MultiInferenceResponse': { results: 1 },
  // get_model_metadata.proto:11-30
  'tensorflow.serving.SignatureDefMap': { signature_def: 1 },
  'tensorflow.serving.GetModelMetadataRequest': { model_spec: 1, metadata_field: 2 },
  'tensorflow.serving.GetModelMetadataResponse': { model_spec: 1, metadata: 2 },
  // status.proto:11-16
  'tensorflow.serving.StatusProto': { error_code: 1, error_message: 2 },
  // get_model_status.proto:12-67
  'tensorflow.serving.GetModelStatusRequest': { model_spec: 1 },
  'tensorflow.serving.ModelVersionStatus': { version: 1, state: 2, status: 3 },
  'tensorflow.serving.GetModelStatusResponse': { model_version_status: 1 },
  // file_system_storage_path_source.proto:13-35
  'tensorflow.serving.FileSystemStoragePathSourceConfig': {},
  'tensorflow.serving.FileSystemStoragePathSourceConfig.ServableVersionPolicy': {
    latest: 100,
    all: 101,
    specific: 102,
  },
  'tensorflow.serving.FileSystemStoragePathSourceConfig.ServableVersionPolicy.Latest': {
    num_versions: 1,
  },
  'tensorflow.serving.FileSystemStoragePathSourceConfig.ServableVersionPolicy.All': {},
  'tensorflow.serving.FileSystemStoragePathSourceConfig.ServableVersionPolicy.Specific': {
    versions: 1,
  },
  // model_server_config.proto:20-85
  'tensorflow.serving.ModelConfig': {
    name: 1,
    base_path: 2,
    model_platform: 4,
    model_version_policy: 7,
    version_labels: 8,
  },
  'tensorflow.serving.ModelConfigList': { config: 1 },
  'tensorflow.serving.ModelServerConfig': { model_config_list: 1 },
  // model_management.proto:10-18
  'tensorflow.serving.ReloadConfigRequest': { config: 1 },
  'tensorflow.serving.ReloadConfigResponse': { status: 1 },
  // grpc/health/v1/health.proto
  'grpc.health.v1.HealthCheckRequest': { service: 1 },
  'grpc.health.v1.HealthCheckResponse': { status: 1 },
  // grpc/reflection/v1alpha/reflection.proto
  'grpc.reflection.v1alpha.ServerReflectionRequest': {
    host: 1,
    file_by_filename: 3,
    file_containing_symbol: 4,
    file_containing_extension: 5,
    all_extension_numbers_of_type: 6,
    list_services: 7,
  },
  'grpc.reflection.v1alpha.ExtensionRequest': { containing_type: 1, extension_number: 2 },
  'grpc.reflection.v1alpha.ServerReflectionResponse': {
    valid_host: 1,
    original_request: 2,
    file_descriptor_response: 4,
    list_services_response: 6,
    error_response: 7,
  },
  'grpc.reflection.v1alpha.FileDescriptorResponse': { file_descriptor_proto: 1 },
  'grpc.reflection.v1alpha.ListServiceResponse': { service: 1 },
  'grpc.reflection.v1alpha.ServiceResponse': { name: 1 },
  'grpc.reflection.v1alpha.ErrorResponse': { error_code: 1, error_message: 2 },
}

// attr_value.proto: AttrValue.ListValue holds lists of AttrValue's kinds under the same numbers.
const ATTR_VALUE_KINDS = { s: 2, i: 3, f: 4, b: 5, type: 6, shape: 7, tensor: 8 }

// tensorflow_saved_model.proto: message → field → number, by upstream file.
const SAVED_MODEL_FIELDS: Record<string, Record<string, number>> = {
  // attr_value.proto
  'tensorflow.NameAttrList': { name: 1, attr: 2 },
  'tensorflow.AttrValue': { ...ATTR_VALUE_KINDS, list: 1, func: 10, placeholder: 9 },
  'tensorflow.AttrValue.ListValue': { ...ATTR_VALUE_KINDS, func: 9 },
  // node_def.proto
  'tensorflow.NodeDef': { name: 1, op: 2, input: 3, device: 4, attr: 5 },
  // op_def.proto
  'tensorflow.OpDef': { name: 1, input_arg: 2, output_arg: 3, control_output: 20 },
  'tensorflow.OpDef.ArgDef': {
    name: 1,
    description: 2,
    type: 3,
    type_attr: 4,
    number_attr: 5,
    type_list_attr: 6,
    is_ref: 16,
  },
  // function.proto
  'tensorflow.FunctionDef': { signature: 1, attr: 5, node_def: 3, ret: 4, control_ret: 6 },
  'tensorflow.FunctionDefLibrary': { function: 1 },
  // versions.proto; graph.proto
  'tensorflow.VersionDef': { producer: 1, min_consumer: 2, bad_consumers: 3 },
  'tensorflow.GraphDef': { node: 1, versions: 4, library: 2 },
  // meta_graph.proto
  'tensorflow.MetaGraphDef': {
    meta_info_def: 1,
    graph_def: 2,
    saver_def: 3,
    signature_def: 5,
    object_graph_def: 7,
  },
  'tensorflow.MetaGraphDef.MetaInfoDef': {
    meta_graph_version: 1,
    tags: 4,
    tensorflow_version: 5,
    tensorflow_git_version: 6,
    stripped_default_attrs: 7,
  },
  // saver.proto
  'tensorflow.SaverDef': { filename_tensor_name: 1, save_tensor_name: 2, restore_op_name: 3 },
  // saved_object_graph.proto
  'tensorflow.SavedVariable': { dtype: 1, shape: 2, trainable: 3, name: 6 },
  'tensorflow.SavedConcreteFunction': { bound_inputs: 2 },
  'tensorflow.SavedFunction': { concrete_functions: 1 },
  'tensorflow.SavedBareConcreteFunction': { concrete_function_name: 1 },
  'tensorflow.SavedObject': { children: 1, function: 6, variable: 7, bare_concrete_function: 8 },
  'tensorflow.SavedObjectGraph': { nodes: 1, concrete_functions: 2 },
  // saved_model.proto
  'tensorflow.SavedModel': { saved_model_schema_version: 1, meta_graphs: 2 },
  // tensor_slice.proto
  'tensorflow.TensorSliceProto': { extent: 1 },
  'tensorflow.TensorSliceProto.Extent': { start: 1, length: 2 },
  // tensor_bundle.proto
  'tensorflow.BundleHeaderProto': { num_shards: 1, endianness: 2, version: 3 },
  'tensorflow.BundleEntryProto': {
    dtype: 1,
    shape: 2,
    shard_id: 3,
    offset: 4,
    size: 5,
    crc32c: 6,
    slices: 7,
  },
  // trackable_object_graph.proto
  'tensorflow.TrackableObjectGraph': { nodes: 1 },
  'tensorflow.TrackableObjectGraph.TrackableObject': { children: 1, attributes: 2 },
  'tensorflow.TrackableObjectGraph.TrackableObject.ObjectReference': { node_id: 1, local_name: 2 },
  'tensorflow.TrackableObjectGraph.TrackableObject.SerializedTensor': {
    name: 1,
    full_name: 2,
    checkpoint_key: 3,
  },
}

// types.proto DataType; error_codes.proto Code; get_model_status.proto:26-54 State.
const ENUMS: Record<string, Record<string, number>> = {
  'tensorflow.DataType': {
    DT_INVALID: 0,
    DT_FLOAT: 1,
    DT_DOUBLE: 2,
    DT_INT32: 3,
    DT_UINT8: 4,
    DT_INT16: 5,
    DT_INT8: 6,
    DT_STRING: 7,
    DT_COMPLEX64: 8,
    DT_INT64: 9,
    DT_BOOL: 10,
    DT_QINT8: 11,
    DT_QUINT8: 12,
    DT_QINT32: 13,
    DT_BFLOAT16: 14,
    DT_QINT16: 15,
    DT_QUINT16: 16,
    DT_UINT16: 17,
    DT_COMPLEX128: 18,
    DT_HALF: 19,
    DT_RESOURCE: 20,
    DT_VARIANT: 21,
    DT_UINT32: 22,
    DT_UINT64: 23,
    // Every type above 0 and below 24 plus 100 (types.proto: "Every enum above should have a
    // corresponding value below").
    DT_FLOAT_REF: 101,
    DT_DOUBLE_REF: 102,
    DT_INT32_REF: 103,
    DT_UINT8_REF: 104,
    DT_INT16_REF: 105,
    DT_INT8_REF: 106,
    DT_STRING_REF: 107,
    DT_COMPLEX64_REF: 108,
    DT_INT64_REF: 109,
    DT_BOOL_REF: 110,
    DT_QINT8_REF: 111,
    DT_QUINT8_REF: 112,
    DT_QINT32_REF: 113,
    DT_BFLOAT16_REF: 114,
    DT_QINT16_REF: 115,
    DT_QUINT16_REF: 116,
    DT_UINT16_REF: 117,
    DT_COMPLEX128_REF: 118,
    DT_HALF_REF: 119,
    DT_RESOURCE_REF: 120,
    DT_VARIANT_REF: 121,
    DT_UINT32_REF: 122,
    DT_UINT64_REF: 123,
  },
  'tensorflow.error.Code': {
    OK: 0,
    CANCELLED: 1,
    UNKNOWN: 2,
    INVALID_ARGUMENT: 3,
    DEADLINE_EXCEEDED: 4,
    NOT_FOUND: 5,
    ALREADY_EXISTS: 6,
    PERMISSION_DENIED: 7,
    RESOURCE_EXHAUSTED: 8,
    FAILED_PRECONDITION: 9,
    ABORTED: 10,
    OUT_OF_RANGE: 11,
    UNIMPLEMENTED: 12,
    INTERNAL: 13,
    UNAVAILABLE: 14,
    DATA_LOSS: 15,
    UNAUTHENTICATED: 16,
  },
  'tensorflow.serving.ModelVersionStatus.State': {
    UNKNOWN: 0,
    START: 10,
    LOADING: 20,
    AVAILABLE: 30,
    UNLOADING: 40,
    END: 50,
  },
  'grpc.health.v1.HealthCheckResponse.ServingStatus': {
    UNKNOWN: 0,
    SERVING: 1,
    NOT_SERVING: 2,
    SERVICE_UNKNOWN: 3,
  },
}

// prediction_service.proto:15-31, model_service.proto:12-24, health.proto.
const SERVICES: Record<string, string[]> = {
  'tensorflow.serving.PredictionService': [
    'Classify',
    'Regress',
    'Predict',
    'MultiInference',
    'GetModelMetadata',
  ],
  'tensorflow.serving.ModelService': ['GetModelStatus', 'HandleReloadConfigRequest'],
  'grpc.health.v1.Health': ['Check'],
  'grpc.reflection.v1alpha.ServerReflection': ['ServerReflectionInfo'],
}

const all = (ns: protobuf.NamespaceBase, out: protobuf.ReflectionObject[] = []) => {
  for (const o of ns.nestedArray) {
    out.push(o)
    if ('nestedArray' in o) all(o as protobuf.NamespaceBase, out)
  }
  return out
}
const name = (o: protobuf.ReflectionObject) => o.fullName.slice(1)

/** The messages among `objects` are exactly the rows of `table`, with its fields and numbers. */
const expectTable = (
  objects: protobuf.ReflectionObject[],
  table: Record<string, Record<string, number>>,
) => {
  const types = objects.filter((o) => 'fieldsArray' in o) as protobuf.Type[]
  expect(types.map(name).sort()).toEqual(Object.keys(table).sort())
  for (const t of types)
    expect([name(t), Object.fromEntries(t.fieldsArray.map((f) => [f.name, f.id]))]).toEqual([
      name(t),
      table[name(t)] as Record<string, number>,
    ])
}

test('every message and field in our protos is in the table with its upstream number', () => {
  expectTable(all(tfServingProtos()), FIELDS)
})

test('enums and services match', () => {
  const root = tfServingProtos()
  for (const [full, values] of Object.entries(ENUMS))
    expect(root.lookupEnum(full).values).toEqual(values)
  // The numbers the server writes and reads for each dtype it serves are the enum's.
  const upstream = ENUMS['tensorflow.DataType'] as Record<string, number>
  expect(DTYPE_NUMBER as Record<string, number>).toEqual(
    Object.fromEntries(TF_DTYPES.map((d) => [d, upstream[d] as number])),
  )
  expect(TF_DTYPES.every((d) => upstream[d] !== undefined)).toBe(true)
  const services = all(root).filter((o) => 'methodsArray' in o) as protobuf.Service[]
  expect(services.map(name).sort()).toEqual(Object.keys(SERVICES).sort())
  for (const s of services)
    expect(s.methodsArray.map((m) => m.name)).toEqual(SERVICES[name(s)] as string[])
})

test('every message and field of tensorflow_saved_model.proto is in its table', () => {
  // keepCase, as the table has the .proto's names; the loader's own root is camelCase.
  const root = parseProtoFiles(SAVED_MODEL_PROTO_FILES, { keepCase: true })
  // Only its own messages: the tensors and signatures it uses are tensorflow.proto's (above).
  const ours = all(root).filter((o) => o.filename === 'tensorflow_saved_model.proto')
  expectTable(ours, SAVED_MODEL_FIELDS)
  // tensor_bundle.proto BundleHeaderProto.Endianness, the file's one enum.
  const enums = ours.filter((o) => 'values' in o && !('fieldsArray' in o)) as protobuf.Enum[]
  expect(enums.map((e) => [name(e), e.values])).toEqual([
    ['tensorflow.BundleHeaderProto.Endianness', { LITTLE: 0, BIG: 1 }],
  ])
})
