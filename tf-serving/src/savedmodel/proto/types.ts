/**
 * Plain-object shapes of the decoded protobuf messages (see schema.ts). Field names are protobufjs'
 * camelCase forms; int64 fields are numbers; enums are their names (e.g. 'DT_FLOAT').
 */

export type DataTypeName = string

export interface TensorShape {
  dim?: { size?: number; name?: string }[]
  unknownRank?: boolean
}

export interface TensorProto {
  dtype?: DataTypeName
  tensorShape?: TensorShape
  tensorContent?: Uint8Array
  halfVal?: number[]
  floatVal?: number[]
  doubleVal?: number[]
  intVal?: number[]
  stringVal?: Uint8Array[]
  int64Val?: number[]
  boolVal?: boolean[]
  uint32Val?: number[]
  uint64Val?: number[]
}

export interface NameAttrList {
  name?: string
  attr?: Record<string, AttrValue>
}

export interface AttrValue {
  s?: Uint8Array
  i?: number
  f?: number
  b?: boolean
  type?: DataTypeName
  shape?: TensorShape
  tensor?: TensorProto
  func?: NameAttrList
  placeholder?: string
  list?: {
    s?: Uint8Array[]
    i?: number[]
    f?: number[]
    b?: boolean[]
    type?: DataTypeName[]
    shape?: TensorShape[]
    tensor?: TensorProto[]
    func?: NameAttrList[]
  }
}

export interface NodeDef {
  name: string
  op: string
  input?: string[]
  device?: string
  attr?: Record<string, AttrValue>
}

export interface ArgDef {
  name: string
  type?: DataTypeName
  typeAttr?: string
  numberAttr?: string
  typeListAttr?: string
}

export interface FunctionDef {
  signature: { name: string; inputArg?: ArgDef[]; outputArg?: ArgDef[]; controlOutput?: string[] }
  attr?: Record<string, AttrValue>
  nodeDef?: NodeDef[]
  ret?: Record<string, string>
  controlRet?: Record<string, string>
}

export interface GraphDef {
  node?: NodeDef[]
  versions?: { producer?: number; minConsumer?: number }
  library?: { function?: FunctionDef[] }
}

export interface TensorInfo {
  name?: string
  dtype?: DataTypeName
  tensorShape?: TensorShape
}

export interface SignatureDef {
  inputs?: Record<string, TensorInfo>
  outputs?: Record<string, TensorInfo>
  methodName?: string
}

export interface SavedObject {
  children?: { nodeId?: number; localName?: string }[]
  variable?: { dtype?: DataTypeName; shape?: TensorShape; name?: string }
  function?: { concreteFunctions?: string[] }
  bareConcreteFunction?: { concreteFunctionName?: string }
}

export interface SavedObjectGraph {
  nodes?: SavedObject[]
  concreteFunctions?: Record<string, { boundInputs?: number[] }>
}

export interface MetaGraphDef {
  metaInfoDef?: {
    metaGraphVersion?: string
    tags?: string[]
    tensorflowVersion?: string
    tensorflowGitVersion?: string
  }
  graphDef?: GraphDef
  saverDef?: { filenameTensorName?: string; saveTensorName?: string; restoreOpName?: string }
  signatureDef?: Record<string, SignatureDef>
  objectGraphDef?: SavedObjectGraph
}

export interface SavedModelProto {
  savedModelSchemaVersion?: number
  metaGraphs?: MetaGraphDef[]
}

export interface BundleEntry {
  dtype?: DataTypeName
  shape?: TensorShape
  shardId?: number
  offset?: number
  size?: number
  crc32c?: number
  slices?: unknown[]
}

export interface BundleHeader {
  numShards?: number
  endianness?: string
  version?: { producer?: number }
}

export interface TrackableObjectGraph {
  nodes?: {
    children?: { nodeId?: number; localName?: string }[]
    attributes?: { name?: string; fullName?: string; checkpointKey?: string }[]
  }[]
}
