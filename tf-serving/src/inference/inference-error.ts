/**
 * A predict the inference pool could not answer. Its own module so that rest/errors.ts can map
 * it to a ServingError without importing the pool (which imports the deadline, which imports
 * ServingError: a cycle).
 */
export class InferenceError extends Error {
  override name = 'InferenceError'
  constructor(
    message: string,
    /** No worker could run it (one exited or is restarting), as opposed to the model failing. */
    readonly unavailable = false,
  ) {
    super(message)
  }
}
