/**
 * Typed failures of the pipeline stages. `classifyFailure` (pipeline/classify-failure.ts)
 * decides from these whether a job is retried, retried later or buried.
 */

/** The media can never be used: wrong host, too large, not an image, a pixel bomb, 404… */
export class MediaRejectedError extends Error {
  override name = 'MediaRejectedError'
  constructor(
    readonly reason: string,
    opts?: ErrorOptions,
  ) {
    super(`media rejected: ${reason}`, opts)
  }
}

/** The media host answered with a status worth retrying (5xx, 429) or did not answer in time. */
export class MediaUnavailableError extends Error {
  override name = 'MediaUnavailableError'
  constructor(message: string, opts?: ErrorOptions) {
    super(`media unavailable: ${message}`, opts)
  }
}

/** tf-serving answered with an error status, or not at all (`status` 0). */
export class ModelServerError extends Error {
  override name = 'ModelServerError'
  constructor(
    readonly status: number,
    body: string,
    opts?: ErrorOptions,
  ) {
    super(`tf-serving answered ${status}: ${body.slice(0, 200)}`, opts)
  }
}
