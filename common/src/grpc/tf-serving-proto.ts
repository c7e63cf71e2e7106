/**
 * TensorFlow Serving's gRPC messages and services, loaded with protobufjs from the .proto files
 * in `tf-serving/proto/` (the one place they are written). Used by tf-serving's gRPC server and
 * by the workers' gRPC model client.
 *
 * Decoded messages are protobufjs objects: unset scalars read as their default, maps are plain
 * objects, `bytes` are Uint8Arrays, int64 fields may be `Long`s (read them with `Number()`).
 * @see https://github.com/tensorflow/serving/tree/master/tensorflow_serving/apis
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { ServiceDefinition } from '@grpc/grpc-js'
import protobuf from 'protobufjs'

const PROTO_DIR = resolve(import.meta.dir, '../../../tf-serving/proto')
const TF_SERVING_PROTO_FILES = [
  'google_protobuf.proto',
  'tensorflow.proto',
  'tensorflow_error.proto',
  'tensorflow_serving.proto',
  'grpc_health.proto',
  'grpc_reflection.proto',
] as const

/**
 * Parses `files` of tf-serving/proto/, in order (a file after the files it imports), into one
 * root. keepCase keeps the .proto's snake_case field names; without it protobufjs uses camelCase.
 */
export const parseProtoFiles = (
  files: readonly string[],
  { keepCase }: { keepCase: boolean },
): protobuf.Root => {
  const root = new protobuf.Root()
  for (const file of files) {
    // Recorded on every type, so the reflection service can rebuild one descriptor per file.
    ;(protobuf.parse as unknown as { filename: string | null }).filename = file
    protobuf.parse(readFileSync(join(PROTO_DIR, file), 'utf8'), root, { keepCase })
  }
  root.resolveAll()
  return root
}

/** protobufjs already returns a Buffer under Bun/Node: wrap, never copy (images are 0.6 MB). */
const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

/**
 * One message's bytes. `finish(true)` hands out the writer's own buffer instead of a trimmed copy
 * of it: the writer is never used again and grpc-js copies the bytes into its frame anyway, so
 * the copy would be one more pass over a 0.6 MB tensor per call.
 */
const encoded = (type: protobuf.Type, value: object): Buffer =>
  asBuffer(type.encode(value).finish(true))

let shared: protobuf.Root | undefined
/** The gRPC API's protos with TF Serving's snake_case field names, parsed once per process. */
export const tfServingProtos = (): protobuf.Root => {
  shared ??= parseProtoFiles(TF_SERVING_PROTO_FILES, { keepCase: true })
  return shared
}

/** A protobufjs type by full name, e.g. `tensorflow.serving.PredictRequest`. */
export const protoType = (name: string): protobuf.Type => tfServingProtos().lookupType(name)

/**
 * A grpc-js service definition for a service of the protos (full name, e.g.
 * `tensorflow.serving.PredictionService`): what both `Server.addService` and
 * `makeGenericClientConstructor` take. Requests and responses are protobufjs objects.
 */
export const serviceDefinition = (fullName: string): ServiceDefinition => {
  const service = tfServingProtos().lookupService(fullName)
  const def: Record<string, ServiceDefinition[string]> = {}
  for (const method of service.methodsArray) {
    method.resolve()
    const req = method.resolvedRequestType as protobuf.Type
    const res = method.resolvedResponseType as protobuf.Type
    def[method.name] = {
      path: `/${fullName}/${method.name}`,
      requestStream: method.requestStream ?? false,
      responseStream: method.responseStream ?? false,
      requestSerialize: (value: object) => encoded(req, value),
      requestDeserialize: (bytes: Buffer) => req.decode(bytes),
      responseSerialize: (value: object) => encoded(res, value),
      responseDeserialize: (bytes: Buffer) => res.decode(bytes),
      originalName: method.name,
    }
  }
  return def
}
