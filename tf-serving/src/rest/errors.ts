// TF Serving answers every failure with a canonical status code (absl::StatusCode) that its
// HTTP server maps to an HTTP status; the body is always {"error": "<message>"}.
// @see tensorflow_serving/model_servers/http_server.cc (ToHTTPStatusCode)
import { InferenceError } from '../inference/inference-error.ts'

export type StatusCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'FAILED_PRECONDITION'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'UNIMPLEMENTED'
  | 'INTERNAL'
  | 'DEADLINE_EXCEEDED'
  | 'CANCELLED'

const HTTP_STATUS: Record<StatusCode, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 429,
  UNAVAILABLE: 503,
  UNIMPLEMENTED: 501,
  INTERNAL: 500,
  DEADLINE_EXCEEDED: 504,
  CANCELLED: 499,
}

export class ServingError extends Error {
  override name = 'ServingError'
  constructor(
    readonly code: StatusCode,
    message: string,
    /** Overrides the status derived from `code` (e.g. 413, 405 which have no absl code). */
    readonly httpStatus: number = HTTP_STATUS[code],
  ) {
    super(message)
  }
  /** absl::Status::ToString(), used when TF Serving nests one error inside another's message. */
  toStatusString() {
    return `${this.code}: ${this.message}`
  }
}

export const invalidArgument = (message: string) => new ServingError('INVALID_ARGUMENT', message)
export const notFound = (message: string) => new ServingError('NOT_FOUND', message)

/**
 * Any thrown value → the ServingError both APIs answer with: an inference failure keeps its
 * message (UNAVAILABLE when the pool could not run it); anything else unexpected is INTERNAL,
 * after `onUnexpected` has seen it.
 */
export const asServingError = (err: unknown, onUnexpected?: (err: unknown) => void) => {
  if (err instanceof ServingError) return err
  if (err instanceof InferenceError)
    return new ServingError(err.unavailable ? 'UNAVAILABLE' : 'INVALID_ARGUMENT', err.message)
  onUnexpected?.(err)
  return new ServingError('INTERNAL', (err as Error)?.message ?? 'internal error')
}
