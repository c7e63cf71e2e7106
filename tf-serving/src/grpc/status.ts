// Failures as gRPC statuses. The codes are TF Serving's (absl::StatusCode, the same numbers as
// gRPC's) and the messages are the ones the REST API sends for the same fault.
import { status as GrpcStatus, Metadata, type ServiceError } from '@grpc/grpc-js'
import { InferenceError } from '../inference/pool.ts'
import { ServingError, type StatusCode } from '../rest/errors.ts'

const GRPC_CODE: Record<StatusCode, GrpcStatus> = {
  INVALID_ARGUMENT: GrpcStatus.INVALID_ARGUMENT,
  NOT_FOUND: GrpcStatus.NOT_FOUND,
  FAILED_PRECONDITION: GrpcStatus.FAILED_PRECONDITION,
  RESOURCE_EXHAUSTED: GrpcStatus.RESOURCE_EXHAUSTED,
  UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  UNIMPLEMENTED: GrpcStatus.UNIMPLEMENTED,
  INTERNAL: GrpcStatus.INTERNAL,
  DEADLINE_EXCEEDED: GrpcStatus.DEADLINE_EXCEEDED,
  CANCELLED: GrpcStatus.CANCELLED,
}

/** Any thrown value → a ServingError (as the REST app's toServingError does). */
export const asServingError = (err: unknown): ServingError => {
  if (err instanceof ServingError) return err
  if (err instanceof InferenceError)
    return new ServingError(err.unavailable ? 'UNAVAILABLE' : 'INVALID_ARGUMENT', err.message)
  return new ServingError('INTERNAL', (err as Error)?.message ?? 'internal error')
}

export const toServiceError = (err: ServingError): Partial<ServiceError> => ({
  code: GRPC_CODE[err.code],
  details: err.message,
  metadata: new Metadata(),
})
