import { waitFor } from '@tweetbot/testing'

/** Resolves once `url` answers 2xx; throws after `timeoutMs` (a process that never came up). */
export const waitHttpOk = (url: string, timeoutMs = 20_000) =>
  waitFor(
    `${url} to answer 2xx`,
    () =>
      fetch(url).then(
        (r) => r.ok,
        () => false,
      ),
    timeoutMs,
  )
