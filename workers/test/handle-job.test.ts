// createJobHandler in process, over every outcome, with plain fakes for the stages (model, media,
// replier) and the real reply guard on the run's real Redis: the at-most-once protocol without
// the multi-process stack.
import { afterAll, describe, expect, test } from 'bun:test'
import type { JobEvent } from '@tweetbot/common/job-events'
import type { ChatJob, TweetJob } from '@tweetbot/common/jobs'
import { silentLogger } from '@tweetbot/common/log'
import { createMetricsRegistry } from '@tweetbot/common/metrics'
import {
  openConnection,
  PermanentJobError,
  queueKeys,
  RetryLaterError,
} from '@tweetbot/common/queue'
import { testRedisUrl, uniquePrefix } from '@tweetbot/testing'
import { REPLIED_TIMELINE, timelineSteps } from '@tweetbot/testing/job-timeline'
import { MediaRejectedError, ModelServerError } from '../src/errors.ts'
import { createWorkerMetrics } from '../src/metrics.ts'
import type { ModelInput } from '../src/model/parse-metadata.ts'
import { createJobHandler, type JobDeps } from '../src/pipeline/handle-job.ts'
import { createSemaphore } from '../src/pipeline/semaphore.ts'
import { createSenderThrottle } from '../src/pipeline/sender-throttle.ts'
import { createReplyGuard, replyMarkKey } from '../src/reply/reply-guard.ts'
import { XNoAnswerError, XRateLimitedError, XRefusedError } from '../src/x/x-errors.ts'
import type { Replier } from '../src/x/x-replier.ts'

const redis = new Bun.RedisClient(testRedisUrl())
// The guard's and the throttle's connection, as the worker's marks connection.
const conn = openConnection(testRedisUrl(), { connectTimeoutMs: 2_000, commandTimeoutMs: 5_000 })
afterAll(() => {
  redis.close()
  conn.close()
})

const BOT = '1000'
const LABELS = ['cat', 'dog', 'fedora']
const INPUT: ModelInput = {
  height: 2,
  width: 2,
  channels: 3,
  dtype: 'DT_FLOAT',
  signature: 'serving_default',
}
const PHOTO = 'https://pbs.twimg.com/media/photo.jpg'

/** A replier that records what it sends and answers each call with the next scripted result. */
const fakeReplier = (script: { send?: (Error | undefined)[]; found?: boolean } = {}) => {
  const sent: { to: string; text: string }[] = []
  const asked: string[] = []
  const next = async (to: string, text: string) => {
    const err = script.send?.shift()
    if (err) {
      // A request that got no answer may still have been posted: record it like X would.
      if (err instanceof XNoAnswerError && err.posted === 'maybe') sent.push({ to, text })
      throw err
    }
    sent.push({ to, text })
  }
  const replier: Replier = {
    harmlessToRepeat: false,
    sendDm: (to, text) => next(to, text),
    replyToTweet: (to, text) => next(to, text),
    dmSentSince: async (_bot, to) => {
      asked.push(to)
      return script.found ?? sent.some((s) => s.to === to)
    },
    tweetRepliedSince: async (_bot, to) => {
      asked.push(to)
      return script.found ?? sent.some((s) => s.to === to)
    },
  }
  return { replier, sent, asked }
}

const setup = (overrides: Partial<JobDeps> = {}) => {
  const prefix = uniquePrefix('handle')
  const registry = createMetricsRegistry('test')
  const deps: JobDeps = {
    model: {
      metadata: async () => INPUT,
      predict: async () => [0.1, 0.7, 0.2],
    },
    modelInput: () => INPUT,
    fetchMedia: async () => new Uint8Array([1, 2, 3]),
    preprocess: async () => new Uint8Array(12),
    replier: fakeReplier().replier,
    lookupMedia: async () => [],
    guard: createReplyGuard({
      redis: conn,
      keyFor: (id) => replyMarkKey(prefix, 'chat', id),
      ttlSeconds: 60,
    }),
    doubtCheckAfterMs: 0,
    labels: LABELS,
    style: {
      preset: 'labels',
      template: '{top} ({percent})',
      topK: 1,
      threshold: 0,
      fedoraThreshold: 0.5,
      fedoraLabel: 'fedora',
    },
    helpText: 'Send me a photo!',
    slowDownText: 'Slow down, please.',
    metrics: createWorkerMetrics(registry, 'chat', { loadTestingMode: false }),
    imageStage: createSemaphore(2),
    predictStage: createSemaphore(1),
    ...overrides,
  }
  return { deps, handle: createJobHandler(deps), prefix, registry }
}

let ids = 0
const dm = (o: Partial<ChatJob> = {}): ChatJob => ({
  kind: 'dm',
  api: 'aaa',
  botId: BOT,
  eventId: `dm-${++ids}`,
  text: 'what is this?',
  media: [{ url: PHOTO, type: 'photo' }],
  needsMediaLookup: false,
  sender: { id: '42', screenName: 'someone' },
  ...o,
})
const mention = (o: Partial<TweetJob> = {}): TweetJob => ({
  kind: 'mention',
  api: 'aaa',
  botId: BOT,
  eventId: `tw-${++ids}`,
  tweetId: `tw-${ids}`,
  text: '@bot what is this?',
  media: [{ url: PHOTO, type: 'photo' }],
  needsMediaLookup: false,
  author: { id: '43' },
  isRetweet: false,
  ...o,
})
const ctx = () => ({ signal: new AbortController().signal, logger: silentLogger })
/** A context with the consumer's envelope, as the real consumer passes it (read for job events). */
const ctxWithEnvelope = (job: ChatJob | TweetJob, attempts = 0) => ({
  ...ctx(),
  job: {
    id: `job-${job.eventId}`,
    queue: job.kind === 'dm' ? ('chat' as const) : ('tweet' as const),
    eventId: job.eventId,
    payload: job,
    attempts,
    enqueuedAt: Date.now() - 5,
  },
})
/** The error a handler run threw (fails the test when it succeeded). */
const thrown = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected the job to fail')
    },
    (err: unknown) => err,
  )

const markOf = (prefix: string, id: string) => redis.send('GET', [replyMarkKey(prefix, 'chat', id)])

describe('createJobHandler', () => {
  test('a DM with a photo: predict, reply once with the top label, mark it sent', async () => {
    const x = fakeReplier()
    const { handle, prefix } = setup({ replier: x.replier })
    const job = dm()
    expect(await handle(job, ctx())).toBe('replied')
    expect(x.sent).toEqual([{ to: '42', text: 'dog (70%)' }])
    expect(await markOf(prefix, job.eventId)).toBe('sent')
    // The same event again (a redelivery): skipped, never a second reply.
    expect(await handle(job, ctx())).toBe('skipped')
    expect(x.sent).toHaveLength(1)
  })

  test('a mention is answered in its thread', async () => {
    const x = fakeReplier()
    const { handle } = setup({ replier: x.replier })
    const job = mention()
    expect(await handle(job, ctx())).toBe('replied')
    expect(x.sent).toEqual([{ to: job.tweetId, text: 'dog (70%)' }])
  })

  test('no photo: the help text, and the model is never asked', async () => {
    const x = fakeReplier()
    let predicted = 0
    const { handle } = setup({
      replier: x.replier,
      model: {
        metadata: async () => INPUT,
        predict: async () => {
          predicted++
          return [1, 0, 0]
        },
      },
    })
    expect(await handle(dm({ media: [] }), ctx())).toBe('replied')
    expect(x.sent[0]!.text).toBe('Send me a photo!')
    expect(predicted).toBe(0)
  })

  test('media left out of an XAA delivery is looked up first', async () => {
    const x = fakeReplier()
    const fetched: string[] = []
    const { handle } = setup({
      replier: x.replier,
      lookupMedia: async () => [{ url: `${PHOTO}?found`, type: 'photo' }],
      fetchMedia: async (url) => {
        fetched.push(url)
        return new Uint8Array(3)
      },
    })
    expect(await handle(dm({ media: [], needsMediaLookup: true }), ctx())).toBe('replied')
    expect(fetched).toEqual([`${PHOTO}?found`])
    expect(x.sent[0]!.text).toBe('dog (70%)')
  })

  test("skipped: the bot's own DM, its own tweet, a retweet", async () => {
    const x = fakeReplier()
    const { handle } = setup({ replier: x.replier })
    expect(await handle(dm({ sender: { id: BOT } }), ctx())).toBe('skipped')
    expect(await handle(mention({ author: { id: BOT } }), ctx())).toBe('skipped')
    expect(await handle(mention({ isRetweet: true }), ctx())).toBe('skipped')
    expect(x.sent).toEqual([])
  })

  test('media rejected → buried (a PermanentJobError), nothing sent, no claim left', async () => {
    const x = fakeReplier()
    const { handle, prefix } = setup({
      replier: x.replier,
      fetchMedia: async () => {
        throw new MediaRejectedError('host not allowed')
      },
    })
    const job = dm()
    const err = await thrown(handle(job, ctx()))
    expect(err).toBeInstanceOf(PermanentJobError)
    expect((err as Error).message).toContain('host not allowed')
    expect(x.sent).toEqual([])
    expect(await markOf(prefix, job.eventId)).toBeNull()
  })

  test('tf-serving away → a plain error (retried with backoff), nothing claimed', async () => {
    const { handle, prefix } = setup({
      model: {
        metadata: async () => INPUT,
        predict: async () => {
          throw new ModelServerError(503, 'unavailable')
        },
      },
    })
    const job = dm()
    const err = await thrown(handle(job, ctx()))
    expect(err).toBeInstanceOf(ModelServerError)
    expect(err).not.toBeInstanceOf(PermanentJobError)
    expect(err).not.toBeInstanceOf(RetryLaterError)
    expect(await markOf(prefix, job.eventId)).toBeNull()
  })

  test('X 429 with a reset → retried after that delay; the claim is released', async () => {
    const limited = new XRateLimitedError('X answered 429', 30_000)
    const x = fakeReplier({ send: [limited] })
    const { handle, prefix } = setup({ replier: x.replier })
    const job = dm()
    const err = await thrown(handle(job, ctx()))
    expect(err).toBeInstanceOf(RetryLaterError)
    expect((err as RetryLaterError).retryAfterMs).toBe(30_000)
    expect(await markOf(prefix, job.eventId)).toBeNull()
    // The retry sends normally.
    expect(await handle(job, ctx())).toBe('replied')
    expect(x.sent).toHaveLength(1)
  })

  test('X refuses (403) → buried; nothing was posted', async () => {
    const x = fakeReplier({ send: [new XRefusedError('X answered 403: not allowed')] })
    const { handle, prefix } = setup({ replier: x.replier })
    const job = mention()
    expect(await thrown(handle(job, ctx()))).toBeInstanceOf(PermanentJobError)
    expect(x.sent).toEqual([])
    // Surely not posted: the claim is released, so a replayed dead job is not left in doubt.
    expect(await markOf(prefix, job.eventId)).toBeNull()
  })

  test('X timeout → in doubt; the retry asks X and finds the reply: settled, not re-sent', async () => {
    const x = fakeReplier({ send: [new XNoAnswerError('X unreachable: timeout', 'maybe')] })
    const { handle, prefix } = setup({ replier: x.replier })
    const job = dm()
    const err = await thrown(handle(job, ctx()))
    expect(err).toBeInstanceOf(RetryLaterError)
    expect((err as Error).message).toContain('reply in doubt')
    expect(String(await markOf(prefix, job.eventId))).toStartWith('sending:')
    expect(await handle(job, ctx())).toBe('skipped')
    expect(x.asked).toEqual(['42'])
    expect(x.sent).toHaveLength(1) // the one X posted late, never a second
    expect(await markOf(prefix, job.eventId)).toBe('sent')
  })

  test('X timeout → in doubt; the retry asks X, finds nothing, and sends it once', async () => {
    const x = fakeReplier({
      send: [new XNoAnswerError('X unreachable: timeout', 'maybe')],
      found: false,
    })
    const { handle, prefix } = setup({ replier: x.replier })
    const job = mention()
    await thrown(handle(job, ctx()))
    expect(await handle(job, ctx())).toBe('replied')
    expect(x.asked).toEqual([job.tweetId])
    // The fake recorded the unanswered request; the retry really sent a second time.
    expect(x.sent).toHaveLength(2)
    expect(await markOf(prefix, job.eventId)).toBe('sent')
  })

  test('a connection that never opened → released: the retry sends without asking X', async () => {
    const x = fakeReplier({ send: [new XNoAnswerError('X unreachable: refused', false)] })
    const { handle, prefix } = setup({ replier: x.replier })
    const job = dm()
    const err = await thrown(handle(job, ctx()))
    expect(err).not.toBeInstanceOf(RetryLaterError)
    expect(await markOf(prefix, job.eventId)).toBeNull()
    expect(await handle(job, ctx())).toBe('replied')
    expect(x.asked).toEqual([])
    expect(x.sent).toHaveLength(1)
  })

  test('in doubt but too recent to ask X → retry later, X not asked yet', async () => {
    const x = fakeReplier({ send: [new XNoAnswerError('X unreachable: timeout', 'maybe')] })
    const { handle } = setup({ replier: x.replier, doubtCheckAfterMs: 60_000 })
    const job = dm()
    await thrown(handle(job, ctx()))
    const err = await thrown(handle(job, ctx()))
    expect(err).toBeInstanceOf(RetryLaterError)
    expect((err as RetryLaterError).retryAfterMs).toBeGreaterThan(50_000)
    expect(x.asked).toEqual([])
  })

  test('many attempts of one event at once (redeliveries) reply exactly once', async () => {
    const x = fakeReplier()
    const { handle } = setup({ replier: x.replier })
    const job = dm()
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => handle(job, ctx())))
    expect(x.sent).toHaveLength(1)
    expect(results.filter((r) => r.status === 'fulfilled' && r.value === 'replied')).toHaveLength(1)
  })

  test('shut down while waiting for an image slot: the job is handed back unstarted', async () => {
    const fetched: string[] = []
    let release = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const { handle } = setup({
      imageStage: createSemaphore(1),
      fetchMedia: async (url) => {
        fetched.push(url)
        await held // the first job keeps the only slot until released
        return new Uint8Array(3)
      },
    })
    const busy = handle(dm(), ctx())
    while (fetched.length === 0) await Bun.sleep(1)
    const stop = new AbortController()
    const waiting = thrown(
      handle(dm({ media: [{ url: `${PHOTO}?2`, type: 'photo' }] }), {
        signal: stop.signal,
        logger: silentLogger,
      }),
    )
    await Bun.sleep(20) // the second job is now queued behind the slot
    stop.abort()
    release()
    expect(await busy).toBe('replied')
    expect(((await waiting) as Error).name).toBe('AbortError')
    expect(fetched).toEqual([PHOTO])
  })
})

describe('job events (JOB_EVENTS=True: the sandbox timeline)', () => {
  test('a reply: taken, each stage timed, the scores, finished as replied', async () => {
    const events: JobEvent[] = []
    const { handle } = setup({ events: (e) => events.push(e), workerId: () => 'worker-7' })
    const job = dm()
    const before = Date.now()
    expect(await handle(job, ctxWithEnvelope(job, 2))).toBe('replied')
    expect(timelineSteps(events)).toEqual([...REPLIED_TIMELINE])
    expect(events.every((e) => e.eventId === job.eventId)).toBe(true)
    expect(events[0]).toMatchObject({
      type: 'taken',
      queue: 'chat',
      worker: 'worker-7',
      jobId: `job-${job.eventId}`,
      attempt: 2,
    })
    for (const e of events)
      if (e.type === 'stage') {
        expect(e.ok).toBe(true)
        expect(e.startedAt).toBeGreaterThanOrEqual(before)
        expect(e.ms).toBeGreaterThanOrEqual(0)
      }
    expect(events.find((e) => e.type === 'scores')).toEqual({
      type: 'scores',
      eventId: job.eventId,
      labels: LABELS,
      scores: [0.1, 0.7, 0.2],
    })
    expect(events.at(-1)).toMatchObject({ type: 'finished', outcome: 'replied' })
  })

  test('a failing stage is reported as not ok, and the job finishes as failed with the reason', async () => {
    const events: JobEvent[] = []
    const { handle } = setup({
      events: (e) => events.push(e),
      fetchMedia: async () => {
        throw new MediaRejectedError('host not allowed')
      },
    })
    const job = dm()
    await thrown(handle(job, ctxWithEnvelope(job)))
    expect(timelineSteps(events)).toEqual(['taken', 'download', 'finished'])
    expect(events[1]).toMatchObject({ type: 'stage', stage: 'download', ok: false })
    expect(events[2]).toMatchObject({ type: 'finished', outcome: 'failed' })
    expect((events[2] as { reason?: string }).reason).toContain('host not allowed')
  })

  test('a skipped job and a Redis failure before any stage still end in `finished`', async () => {
    const events: JobEvent[] = []
    const { handle } = setup({ events: (e) => events.push(e) })
    const own = dm({ sender: { id: BOT } })
    expect(await handle(own, ctxWithEnvelope(own))).toBe('skipped')
    expect(events.at(-1)).toMatchObject({
      type: 'finished',
      outcome: 'skipped',
      reason: 'own message',
    })

    events.length = 0
    const broken = setup({
      events: (e) => events.push(e),
      guard: {
        ...setup().deps.guard,
        isSettled: async () => {
          throw new Error('redis: connection closed')
        },
      },
    })
    const job = dm()
    await thrown(broken.handle(job, ctxWithEnvelope(job)))
    expect(timelineSteps(events)).toEqual(['taken', 'finished'])
    expect(events[1]).toMatchObject({
      type: 'finished',
      outcome: 'failed',
      reason: 'redis: connection closed',
    })
  })
})

describe('per-sender throttle in the handler (real Redis)', () => {
  test('over the limit: one slow-down reply without download or predict, then silence', async () => {
    const x = fakeReplier()
    const fetched: string[] = []
    const throttle = createSenderThrottle({
      redis: conn,
      keyFor: queueKeys(uniquePrefix('handle-throttle'), 'chat').throttle,
      limit: 1,
      windowSec: 60,
    })
    const { handle, registry } = setup({
      replier: x.replier,
      throttle,
      fetchMedia: async (url) => {
        fetched.push(url)
        return new Uint8Array(3)
      },
    })
    expect(await handle(dm(), ctx())).toBe('replied')
    expect(await handle(dm(), ctx())).toBe('replied')
    expect(await handle(dm(), ctx())).toBe('skipped')
    expect(x.sent.map((s) => s.text)).toEqual(['dog (70%)', 'Slow down, please.'])
    expect(fetched).toEqual([PHOTO]) // the slow-down reply costs no download and no predict
    const metrics = await registry.metrics()
    expect(metrics).toContain(
      'tweetbot_worker_throttled_total{queue="chat",action="slow_down",service="test"} 1',
    )
    expect(metrics).toContain(
      'tweetbot_worker_throttled_total{queue="chat",action="silenced",service="test"} 1',
    )
    // Another sender is answered as usual.
    expect(await handle(dm({ sender: { id: '77' } }), ctx())).toBe('replied')
    expect(x.sent.at(-1)).toEqual({ to: '77', text: 'dog (70%)' })
  })
})
