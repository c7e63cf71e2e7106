// createWorker in process: real Redis (queue and reply marks), stand-ins for tf-serving and X.
// Start waits for the model, then jobs flow; readiness follows; stop hands back and closes.
import { afterEach, describe, expect, test } from 'bun:test'
import { loadConfig, workerEnvSchema } from '@tweetbot/common/config'
import type { ChatJob } from '@tweetbot/common/jobs'
import { silentLogger } from '@tweetbot/common/log'
import { createMetricsRegistry } from '@tweetbot/common/metrics'
import { createRedisQueue, openConnection } from '@tweetbot/common/queue'
import { replyMarkKey } from '@tweetbot/common/reply-marks'
import { testRedisUrl, uniquePrefix, waitFor } from '@tweetbot/testing'
import { ModelServerError } from '../src/errors.ts'
import { createWorker, type Worker } from '../src/worker.ts'
import type { Replier } from '../src/x/x-replier.ts'

const INPUT = { height: 2, width: 2, channels: 3, dtype: 'DT_FLOAT', signature: 'serving_default' }
let running: Worker | undefined
afterEach(async () => {
  await running?.stop()
  running = undefined
})

const build = (modelUp: () => boolean) => {
  const prefix = uniquePrefix('worker')
  const config = loadConfig('worker-chat', workerEnvSchema, {
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: prefix,
    FLT_LOAD_TESTING_MODE: 'True',
    // Not called: the model client below stands in for tf-serving.
    TF_SERVER_URL: 'http://127.0.0.1:9/v1/models/default:predict',
    MODEL_LABELS: 'cat,dog,hat',
    REPLY_TEMPLATE: '{top}',
  })
  const sent: string[] = []
  const replier: Replier = {
    harmlessToRepeat: true,
    sendDm: async (_to, text) => {
      sent.push(text)
    },
    replyToTweet: async () => {},
    dmSentSince: async () => false,
    tweetRepliedSince: async () => false,
  }
  const queue = createRedisQueue({ url: testRedisUrl(), prefix })
  const worker = createWorker(config, 'chat', {
    logger: silentLogger,
    registry: createMetricsRegistry('worker-chat'),
    queue,
    marks: openConnection(testRedisUrl(), { connectTimeoutMs: 2_000, commandTimeoutMs: 5_000 }),
    model: {
      metadata: async () => {
        if (!modelUp()) throw new ModelServerError(0, 'no answer')
        return INPUT
      },
      predict: async () => [0.1, 0.2, 0.7],
    },
    fetchMedia: async () => new Uint8Array([1, 2, 3]),
    replier,
    lookupMedia: async () => [],
    labels: config.MODEL_LABELS,
  })
  running = worker
  return { worker, queue, sent, prefix }
}

const job = (eventId: string): ChatJob => ({
  kind: 'dm',
  api: 'aaa',
  botId: '1',
  eventId,
  text: 'hi',
  media: [],
  needsMediaLookup: false,
  sender: { id: '2' },
})

const ready = async (w: Worker) => (await w.app.request('/readyz')).status

describe('createWorker', () => {
  test('not ready until tf-serving tells the input; then it takes jobs and replies', async () => {
    let up = false
    const { worker, queue, sent, prefix } = build(() => up)
    const started = worker.start()
    expect(await ready(worker)).toBe(503)
    await queue.enqueue('chat', 'e1', job('e1'))
    await Bun.sleep(300)
    expect(sent).toEqual([]) // no consumer before the model is known
    up = true
    await started
    await waitFor('the reply', () => sent.length === 1)
    expect(sent).toEqual(['Send me a picture and I will tell you what I see in it.']) // no photo: help
    // The reply guard is wired to this worker's queue and prefix: the event's mark says sent.
    const redis = new Bun.RedisClient(testRedisUrl())
    await waitFor('the reply mark', async () => {
      return (await redis.send('GET', [replyMarkKey(prefix, 'chat', 'e1')])) === 'sent'
    })
    redis.close()
    await waitFor('the ack', async () => (await queue.stats()).chat.processing === 0)
    expect((await queue.stats()).chat.pending).toBe(0)
    expect(await ready(worker)).toBe(200)
  })

  test('stop during start-up ends the wait for the model at once', async () => {
    const { worker, queue } = build(() => false)
    const started = worker.start()
    await Bun.sleep(100)
    await worker.stop()
    running = undefined
    await started // resolves: the wait was cut short, no consumer was created
    expect(await ready(worker)).toBe(503)
    // No consumer took the queue over, so stop closed it itself.
    await expect(queue.stats()).rejects.toThrow(/closed/)
  })
})
