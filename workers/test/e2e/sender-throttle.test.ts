// End to end (real master, chat worker, tf-serving and Redis; the fake X API): one sender's flood
// of DMs gets SENDER_REPLY_LIMIT replies and one slow-down reply, the rest nothing (issue 15,
// finding 7: 50 DMs from one sender used to get 50 replies, each a billed X call).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { waitFor } from '@tweetbot/testing'
import { dmDelivery, nextXId } from '@tweetbot/testing/deliveries'
import { type Stack, startStack } from '@tweetbot/testing/stack'
import { dmsTo, ensureDefaultModel } from './helpers.ts'

const LIMIT = 5
const HELP = 'Send me a picture and I will tell you what I see in it.'
const SLOW_DOWN = 'Easy there: I will answer again in a minute.'
let stack: Stack

beforeAll(async () => {
  stack = await startStack({
    modelDir: await ensureDefaultModel(),
    services: ['tf-serving', 'master', 'worker:chat'],
    env: {
      'worker:chat': { SENDER_REPLY_LIMIT: String(LIMIT), SENDER_SLOW_DOWN_TEXT: SLOW_DOWN },
    },
  })
}, 120_000)
afterAll(async () => {
  await stack?.stop()
})

/** A counter of the chat worker's /metrics, 0 when absent. */
const counter = async (name: string, labels: string) => {
  const text = await stack.metrics('worker:chat')
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels))
  return line ? Number(line.split(' ').pop()) : 0
}

describe('per-sender throttle (e2e)', () => {
  test(`50 DMs from one sender → ${LIMIT} replies and one slow-down reply, the rest silent`, async () => {
    const sender = nextXId()
    for (let i = 0; i < 50; i++) {
      const res = await stack.postDelivery(dmDelivery({ botId: stack.botId, senderId: sender }))
      expect(res.status).toBe(200)
    }
    // Every one of the 50 jobs is done: replied (6) or skipped as throttled (44).
    await waitFor('all 50 handled', async () => {
      const replied = await counter('tweetbot_jobs_total', 'outcome="replied"')
      const skipped = await counter('tweetbot_jobs_total', 'outcome="skipped"')
      return replied + skipped >= 50
    })
    const texts = dmsTo(stack, sender).map((r) => (r.json as { text: string }).text)
    expect(texts.filter((t) => t === HELP)).toHaveLength(LIMIT)
    expect(texts.filter((t) => t === SLOW_DOWN)).toHaveLength(1)
    expect(texts).toHaveLength(LIMIT + 1)
    expect(await counter('tweetbot_worker_throttled_total', 'action="slow_down"')).toBe(1)
    expect(await counter('tweetbot_worker_throttled_total', 'action="silenced"')).toBe(
      50 - LIMIT - 1,
    )
    expect(await counter('tweetbot_worker_skipped_total', 'reason="sender throttled"')).toBe(
      50 - LIMIT - 1,
    )

    // Somebody else is still answered at once.
    const other = nextXId()
    await stack.postDelivery(dmDelivery({ botId: stack.botId, senderId: other }))
    const [dm] = await stack.x.waitForRequests(1, (r) => r.path.includes(`/with/${other}/`))
    expect(dm!.json).toEqual({ text: HELP })
    expect(dmsTo(stack, sender)).toHaveLength(LIMIT + 1)
  }, 60_000)
})
