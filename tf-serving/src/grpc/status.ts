// Failures as gRPC statuses. The codes are TF Serving's (absl::StatusCode: the same names and
// numbers as gRPC's, so the name picks the code) and the messages are the ones the REST API sends
// for the same fault.
import { status as GrpcStatus, Metadata, type ServiceError } from '@grpc/grpc-js'
import type { ServingError } from '../rest/errors.ts'

export const toServiceError = (err: ServingError): Partial<ServiceError> => ({
  code: GrpcStatus[err.code],
  details: err.message,
  metadata: new Metadata(),
})
