import type { JobEventSink, JobStage } from '@tweetbot/common/job-events'
import type { BotJob } from '@tweetbot/common/jobs'
import type { Logger } from '@tweetbot/common/log'
import { type JobContext as ConsumerJobContext, RetryLaterError } from '@tweetbot/common/queue'
import type { MediaFetcher } from '../media/fetch-media.ts'
import { pickPhoto } from '../media/pick-photo.ts'
import type { WorkerMetrics } from '../metrics.ts'
import type { ModelClient } from '../model/model-client.ts'
import type { ModelInput } from '../model/parse-metadata.ts'
import { formatPrediction, type ReplyStyle } from '../reply/format-reply.ts'
import type { ReplyGuard } from '../reply/reply-guard.ts'
import type { MediaLookup } from '../x/lookup-media.ts'
import { surelyNotPosted } from '../x/x-errors.ts'
import type { Replier } from '../x/x-replier.ts'
import type { Semaphore } from './semaphore.ts'
import type { SenderThrottle } from './sender-throttle.ts'

export interface JobDeps {
  model: ModelClient
  /** The input learned from tf-serving at start-up (the consumer starts only once it is known). */
  modelInput: () => ModelInput
  fetchMedia: MediaFetcher
  preprocess: (bytes: Uint8Array, input: ModelInput) => Promise<Uint8Array>
  replier: Replier
  /** Finds media X Activity deliveries left out (`needsMediaLookup`); finds none in load-testing mode. */
  lookupMedia: MediaLookup
  guard: ReplyGuard
  /**
   * How old a claim in doubt must be before X is asked about it (2 × `X_TIMEOUT_MS` in worker.ts):
   * a request that got no answer may still be posted by X for a while, and asking too early
   * would see no reply and send a second one.
   */
  doubtCheckAfterMs: number
  labels: readonly string[]
  style: ReplyStyle
  helpText: string
  /** Per-sender reply limit; absent when off (and in load-testing mode, where X is never called). */
  throttle?: SenderThrottle
  /** The one reply a sender gets when over the limit. */
  slowDownText: string
  metrics: WorkerMetrics
  /**
   * Bounds the jobs between download and predict (the memory-heavy part: ~1.5 MB each). Jobs
   * waiting on X hold a slot of the consumer only, so the consumer's concurrency can cover X's
   * latency without the memory of that many images.
   */
  imageStage: Semaphore
  /**
   * Bounds the predicts in flight to tf-serving. Smaller than `imageStage`, so the next images
   * are downloaded and decoded while tf-serving works and it never waits for us.
   */
  predictStage: Semaphore
  /** Where each job's timeline goes (`JOB_EVENTS=True`, for the sandbox); absent: nowhere. */
  events?: JobEventSink
  /** This worker's consumer id, named in the `taken` event. */
  workerId?: () => string
}

/**
 * What the handler uses of the consumer's context; `job` (the envelope) is only read for job
 * events, so in-process tests may leave it out.
 */
export type JobContext = Pick<ConsumerJobContext, 'signal' | 'logger'> &
  Partial<Pick<ConsumerJobContext, 'job'>>

/** Times one stage into the metrics and, when job events are on, into the job's timeline. */
type TimeStage = <T>(stage: JobStage, fn: () => Promise<T>) => Promise<T>

const stageTimer =
  (deps: JobDeps, eventId: string): TimeStage =>
  async (stage, fn) => {
    const startedAt = Date.now()
    const t0 = performance.now()
    let ok = false
    try {
      // A media lookup is a download from X, and was always counted as one.
      const out = await deps.metrics.time(stage === 'lookup' ? 'download' : stage, fn)
      ok = true
      return out
    } finally {
      deps.events?.({ type: 'stage', eventId, stage, startedAt, ms: performance.now() - t0, ok })
    }
  }

export type JobOutcome = 'replied' | 'skipped'

/** Why a job is not answered at all, or undefined when it should be. */
const skipReason = (job: BotJob): string | undefined => {
  if (job.kind === 'dm' && job.sender.id === job.botId) return 'own message'
  if (job.kind === 'mention' && job.author.id === job.botId) return 'own tweet'
  if (job.kind === 'mention' && job.isRetweet) return 'retweet'
  return undefined
}

/**
 * One job, start to finish (the consumer has already checked the payload against the queue's
 * schema): skip echoes and retweets → download the first photo → preprocess → predict →
 * format → reply once. Failures leave as thrown by the stages, whose classes already say what
 * the queue does (`errors.ts`, `x/x-errors.ts`): buried, retried after a delay, or retried with
 * backoff until the attempts run out.
 */
export const createJobHandler = (deps: JobDeps) =>
  async function handleJob(job: BotJob, ctx: JobContext): Promise<JobOutcome> {
    // The consumer's logger already names the job, its event and the attempt on every line.
    const log = ctx.logger
    const emit = deps.events
    if (emit && ctx.job)
      emit({
        type: 'taken',
        eventId: job.eventId,
        queue: ctx.job.queue,
        worker: deps.workerId?.() ?? 'unknown',
        jobId: ctx.job.id,
        attempt: ctx.job.attempts,
        enqueuedAt: ctx.job.enqueuedAt,
        at: Date.now(),
      })
    const finish = (outcome: 'replied' | 'skipped' | 'failed', reason?: string) =>
      emit?.({ type: 'finished', eventId: job.eventId, outcome, reason, at: Date.now() })
    const skip = skipReason(job)
    if (skip) return skipped(deps, log, skip, finish)
    const time = stageTimer(deps, job.eventId)
    // Everything after `taken` ends in a `finished` event, a Redis failure of the guard or the
    // throttle included, so the timeline never shows a job as running forever.
    try {
      if (await deps.guard.isSettled(job.eventId))
        return skipped(deps, log, 'already replied', finish)
      const verdict = deps.throttle
        ? await deps.throttle.check(senderOf(job), job.eventId)
        : 'reply'
      if (verdict === 'silent') {
        deps.metrics.throttled('silenced')
        return skipped(deps, log, 'sender throttled', finish)
      }
      // Over the limit: no download, no predict, just the slow-down reply.
      const text =
        verdict === 'slow-down' ? deps.slowDownText : await replyText(deps, job, ctx.signal, time)
      let claimedAt = Date.now()
      const claim = await deps.guard.claim(job.eventId)
      if (claim.state === 'already-sent') return skipped(deps, log, 'already replied', finish)
      if (claim.state === 'in-doubt') {
        const settled = await settleDoubt(deps, job, claim.since)
        if (settled !== 'send') return skipped(deps, log, settled, finish)
        claimedAt = Date.now()
        log.warn('an earlier attempt may have replied; X has no reply, sending it', {
          claimedAt: claim.since,
        })
      }
      try {
        await time('reply', () =>
          job.kind === 'dm'
            ? deps.replier.sendDm(job.sender.id, text)
            : deps.replier.replyToTweet(job.tweetId, text),
        )
      } catch (err) {
        if (surelyNotPosted(err)) {
          // X answered with an error status, or the connection never opened: nothing was
          // posted, so the retry may send.
          await deps.guard.release(job.eventId)
          throw err
        }
        // No answer (timeout, connection dropped after the request left): X may still post it.
        // The claim stays, so the retry is in doubt and asks X first; it waits until X has had
        // time to finish this request (README: "At most one reply per event").
        const waitMs = Math.max(1_000, claimedAt + deps.doubtCheckAfterMs - Date.now())
        throw new RetryLaterError(`reply in doubt (${messageOf(err)}); asking X later`, waitMs, {
          cause: err,
        })
      }
      await deps.guard.markSent(job.eventId)
      if (verdict === 'slow-down') deps.metrics.throttled('slow_down')
      log.info('replied', { kind: job.kind, text })
      finish('replied')
      return 'replied'
    } catch (err) {
      // The stages' errors already say what the queue does with them (errors.ts, x-errors.ts).
      finish('failed', messageOf(err))
      throw err
    }
  }

/**
 * An earlier attempt claimed the reply and never marked it sent (it crashed, or X did not
 * answer). Ask X whether the reply is there: DMs through the bot's DM list with that user,
 * tweets through the bot's timeline. If X cannot be asked, retry later; never send blind.
 */
const settleDoubt = async (
  deps: JobDeps,
  job: BotJob,
  since: number,
): Promise<'send' | 'already replied' | 'reply in doubt'> => {
  const { replier, guard } = deps
  if (replier.harmlessToRepeat) {
    await guard.reclaim(job.eventId, since)
    return 'send'
  }
  const check = () =>
    job.kind === 'dm'
      ? replier.dmSentSince(job.botId, job.sender.id, since)
      : replier.tweetRepliedSince(job.botId, job.tweetId, since)
  const age = Date.now() - since
  if (age < deps.doubtCheckAfterMs)
    throw new RetryLaterError(
      'reply in doubt: waiting for X to settle the earlier request before asking',
      Math.max(1_000, deps.doubtCheckAfterMs - age),
    )
  let found: boolean
  try {
    found = await check()
  } catch (err) {
    // Cannot tell: retry (429 after X's reset, else backoff); the claim stays in doubt.
    const reason = `reply in doubt, asking X failed: ${messageOf(err)}`
    if (err instanceof RetryLaterError)
      throw new RetryLaterError(reason, err.retryAfterMs, { cause: err })
    throw new Error(reason, { cause: err })
  }
  if (found) {
    await guard.markSent(job.eventId)
    return 'already replied'
  }
  // Another attempt (a redelivery of a job whose worker was reaped alive) may have taken the
  // claim over meanwhile: look again later rather than send beside it.
  if (await guard.reclaim(job.eventId, since)) return 'send'
  throw new Error('reply in doubt: another attempt took the claim over; checking again later')
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err))

/** Whom the reply goes to: the DM's sender, or the mention's author. */
const senderOf = (job: BotJob) => (job.kind === 'dm' ? job.sender.id : job.author.id)

const skipped = (
  deps: JobDeps,
  log: Logger,
  reason: string,
  finish: (outcome: 'skipped', reason: string) => void,
): JobOutcome => {
  deps.metrics.skipped(reason)
  log.info('skipped', { reason })
  finish('skipped', reason)
  return 'skipped'
}

const replyText = async (
  deps: JobDeps,
  job: BotJob,
  signal: AbortSignal,
  time: TimeStage,
): Promise<string> => {
  let photo = pickPhoto(job.media)
  if (!photo && job.needsMediaLookup) {
    photo = pickPhoto(await time('lookup', () => deps.lookupMedia(job)))
  }
  if (!photo) return deps.helpText
  const input = deps.modelInput()
  const url = photo
  const scores = await deps.imageStage.run(async () => {
    signal.throwIfAborted() // shut down while waiting for a slot: the job is handed back
    const bytes = await time('download', () => deps.fetchMedia(url, signal))
    const pixels = await time('preprocess', () => deps.preprocess(bytes, input))
    return deps.predictStage.run(() =>
      time('predict', () => deps.model.predict(pixels, input, signal)),
    )
  })
  deps.events?.({
    type: 'scores',
    eventId: job.eventId,
    labels: [...deps.labels],
    scores: [...scores],
  })
  return formatPrediction(scores, deps.labels, deps.style)
}
