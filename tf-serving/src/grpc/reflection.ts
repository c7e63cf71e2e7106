// grpc.reflection.v1alpha.ServerReflection: lists the services and answers each file or symbol
// with its FileDescriptorProto and those of its imports, so `grpcurl list` / `describe` and
// `grpcurl -d … host:8500 tensorflow.serving.PredictionService/Predict` work with no proto files.
// @see https://github.com/grpc/grpc/blob/master/doc/server-reflection.md
import type * as grpc from '@grpc/grpc-js'
import { tfServingProtos } from '@tweetbot/common/grpc'
import { buildFileDescriptors, type FileDescriptors, withDependencies } from './file-descriptors.ts'

export const REFLECTION_SERVICE = 'grpc.reflection.v1alpha.ServerReflection'
const NOT_FOUND = 5
const UNIMPLEMENTED = 12

interface ReflectionRequest {
  host: string
  file_by_filename?: string
  file_containing_symbol?: string
  list_services?: string
  message_request?: string
}

export const answerReflection = (d: FileDescriptors, served: string[], req: ReflectionRequest) => {
  const base = { valid_host: req.host, original_request: req }
  // Error texts as gRPC C++ writes them (proto_server_reflection.cc GetFileByName and
  // GetFileContainingSymbol).
  const files = (file: string | undefined, notFound: string) =>
    file && d.files.has(file)
      ? {
          ...base,
          file_descriptor_response: {
            file_descriptor_proto: withDependencies(d, file).map((f) => d.files.get(f)),
          },
        }
      : { ...base, error_response: { error_code: NOT_FOUND, error_message: notFound } }
  switch (req.message_request) {
    case 'list_services':
      return { ...base, list_services_response: { service: served.map((name) => ({ name })) } }
    case 'file_by_filename':
      return files(req.file_by_filename, 'File not found.')
    case 'file_containing_symbol':
      return files(d.fileOf(req.file_containing_symbol ?? ''), 'Symbol not found.')
    default:
      return {
        ...base,
        error_response: {
          error_code: UNIMPLEMENTED,
          error_message: `${req.message_request} is not supported`,
        },
      }
  }
}

/** The handler for grpc-js: one answer per request on the stream. */
export const reflectionHandler = (served: string[]) => {
  const descriptors = buildFileDescriptors(tfServingProtos())
  return {
    ServerReflectionInfo: (call: grpc.ServerDuplexStream<ReflectionRequest, unknown>) => {
      call.on('data', (req: ReflectionRequest) =>
        call.write(answerReflection(descriptors, served, req)),
      )
      call.on('end', () => call.end())
      call.on('error', () => call.end())
    },
  }
}
