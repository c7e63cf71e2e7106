import { parseProtoFiles } from '@tweetbot/common/grpc'
import type protobuf from 'protobufjs'

/**
 * The SavedModel loader's protobuf messages, parsed from tf-serving/proto/ (the one place
 * TensorFlow's messages are written): tensors, signatures and tf.Example from tensorflow.proto,
 * graphs, functions, object graphs and checkpoint bundles from tensorflow_saved_model.proto.
 * Without keepCase, so decoded objects have camelCase fields (see types.ts).
 * @see https://github.com/tensorflow/tensorflow/tree/master/tensorflow/core/protobuf
 */
export const SAVED_MODEL_PROTO_FILES = ['tensorflow.proto', 'tensorflow_saved_model.proto'] as const

let root: protobuf.Root | undefined
/** Looks a message type up by its short name, e.g. `protoType('SavedModel')`. */
const protoType = (name: string): protobuf.Type => {
  root ??= parseProtoFiles(SAVED_MODEL_PROTO_FILES, { keepCase: false })
  return root.lookupType(`tensorflow.${name}`)
}

/** Options for `toObject`: int64 as JS numbers (shapes and offsets fit), enums by name. */
const TO_OBJECT: protobuf.IConversionOptions = {
  longs: Number,
  enums: String,
  defaults: false,
  arrays: true,
  objects: true,
}

/** Decodes `bytes` as message `name` into a plain object (camelCase fields). */
export const decodeMessage = <T>(name: string, bytes: Uint8Array): T => {
  const type = protoType(name)
  return type.toObject(type.decode(bytes), TO_OBJECT) as T
}

/** Encodes a plain object (camelCase fields, enums by name) as message `name`. */
export const encodeMessage = (name: string, value: object): Uint8Array => {
  const type = protoType(name)
  return type.encode(type.fromObject(value)).finish()
}
