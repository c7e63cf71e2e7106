import { PermanentJobError } from '@tweetbot/common/queue'

/**
 * Typed failures of the pipeline stages. Each says by its class what the queue does with the
 * job: a `PermanentJobError` goes to the dead list with its message, a `RetryLaterError` is
 * retried after its delay, any other error is retried with the queue's backoff. Every retry
 * counts as an attempt, so nothing retries forever. X's failures live in `x/x-errors.ts`.
 */

/** The media can never be used: wrong host, too large, not an image, a pixel bomb, 404… */
export class MediaRejectedError extends PermanentJobError {
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

const modelServerMessage = (status: number, body: string) =>
  `tf-serving answered ${status}: ${body.slice(0, 200)}`

/** tf-serving is away or failing (no answer: `status` 0; 429; 5xx): worth retrying. */
export class ModelServerError extends Error {
  override name = 'ModelServerError'
  constructor(
    readonly status: number,
    body: string,
    opts?: ErrorOptions,
  ) {
    super(modelServerMessage(status, body), opts)
  }
}

/** tf-serving refused the request (4xx): it is wrong for this model, and a retry would be too. */
export class ModelRejectedRequestError extends PermanentJobError {
  override name = 'ModelRejectedRequestError'
}

/** The error for a tf-serving answer with `status` (0: none): permanent for a 4xx but 429. */
export const modelServerError = (status: number, body: string, opts?: ErrorOptions) =>
  status >= 400 && status < 500 && status !== 429
    ? new ModelRejectedRequestError(modelServerMessage(status, body), opts)
    : new ModelServerError(status, body, opts)
