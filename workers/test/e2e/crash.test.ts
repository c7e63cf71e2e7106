// End to end: a worker killed mid-batch, and one stopped with SIGTERM (see replies.test.ts).
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { waitFor } from '@tweetbot/testing'
import { dmDelivery, nextXId } from '@tweetbot/testing/deliveries'
import type { RecordedRequest } from '@tweetbot/testing/fake-x-api'
import { makePhoto } from '@tweetbot/testing/images'
import { type Stack, startStack } from '@tweetbot/testing/stack'
import { ensureDefaultModel, jpeg } from './helpers.ts'

let stack: Stack

const senderOf = (r: RecordedRequest) => /\/with\/([^/]+)\/messages$/.exec(r.path)?.[1]

/** Posts `n` DMs with photos from distinct senders; returns the senders. */
const postBatch = async (n: number) => {
  const senders = Array.from({ length: n }, () => nextXId())
  for (const senderId of senders) {
    const res = await stack.postDelivery(
      dmDelivery({ botId: stack.botId, senderId, mediaUrl: stack.imageUrl('/ok.jpg') }),
    )
    expect(res.status).toBe(200)
  }
  return senders
}

/** X accepts every DM, each after `delayMs`, so some are in flight when a process stops. */
const slowDmReplies = (delayMs: number) =>
  stack.x.respondWith({
    path: /\/messages$/,
    delayMs,
    times: Number.POSITIVE_INFINITY,
    status: 201,
    respond: () =>
      Response.json({ data: { dm_conversation_id: 'c', dm_event_id: nextXId() } }, { status: 201 }),
  })

const expectEachAnsweredOnce = async (senders: string[]) => {
  await stack.x.waitForRequests(
    senders.length,
    (r) => r.status >= 200 && r.status < 300 && senders.includes(senderOf(r) ?? ''),
    60_000,
  )
  await Bun.sleep(300) // a late duplicate would show up here
  const counts = new Map<string, number>()
  for (const r of stack.x.replies()) {
    const s = senderOf(r)
    if (s) counts.set(s, (counts.get(s) ?? 0) + 1)
  }
  for (const s of senders) expect(counts.get(s)).toBe(1)
}

// Once with the worker on REST, once on gRPC (TF_SERVER_URL=grpc://…): a restarted tf-serving
// must be found again over either.
describe.each(['rest', 'grpc'] as const)('crashes and shutdown over %s (e2e)', (transport) => {
  beforeAll(async () => {
    stack = await startStack({
      modelDir: await ensureDefaultModel(),
      services: ['tf-serving', 'master', 'worker:chat'],
      transport,
      images: { '/ok.jpg': jpeg(await makePhoto(5)) },
      env: { 'worker:chat': { CHAT_WORKER_CONCURRENCY: '4', SHUTDOWN_GRACE_MS: '3000' } },
    })
  }, 120_000)
  afterAll(() => stack?.stop())
  beforeEach(() => stack.x.reset())
  test('a worker killed with SIGKILL mid-batch and restarted → every event answered once', async () => {
    // X answers a little slowly, so some replies are in flight when the kill lands, at whatever
    // stage each job is. Replies left in doubt are settled by asking X (the fake lists the DMs
    // it received), so none is lost and none is sent twice.
    slowDmReplies(100)
    const senders = await postBatch(30)
    await stack.x.waitForRequests(5, (r) => r.status === 201)
    expect(await stack.kill('worker:chat', 'SIGKILL')).not.toBe(0)
    expect(stack.x.replies().length).toBeLessThan(30)
    await stack.restart('worker:chat')
    await expectEachAnsweredOnce(senders)
    stack.x.clearRules()
  }, 90_000)

  test('tf-serving killed and restarted → held jobs are answered once, no attempt spent', async () => {
    await stack.kill('tf-serving', 'SIGKILL')
    const sender = nextXId()
    const eventId = nextXId()
    await stack.postDelivery(
      dmDelivery({
        botId: stack.botId,
        senderId: sender,
        eventId,
        mediaUrl: stack.imageUrl('/ok.jpg'),
      }),
    )
    const chat = stack.services['worker:chat']
    await waitFor('the worker to hold jobs', () =>
      chat.logs().includes('tf-serving unavailable; holding jobs'),
    )
    const ready = await fetch(`${chat.url}/readyz`)
    expect(ready.status).toBe(503)
    expect(((await ready.json()) as { checks: { model: boolean } }).checks.model).toBe(false)
    await stack.restart('tf-serving')
    await expectEachAnsweredOnce([sender!])
    const replied = chat
      .logs()
      .split('\n')
      .find(
        (l) =>
          l.includes('"msg":"replied"') && l.includes(`"attempt":1`) && l.includes('"kind":"dm"'),
      )
    expect(replied).toBeDefined()
    await stack.waitReady('worker:chat')
  }, 90_000)

  test('SIGTERM: in-flight jobs finish or are handed back, exit 0, nothing lost after restart', async () => {
    slowDmReplies(400)
    const senders = await postBatch(12)
    await stack.x.waitForRequests(2, (r) => r.status === 201)
    expect(await stack.kill('worker:chat', 'SIGTERM')).toBe(0)
    expect(stack.services['worker:chat'].logs()).toContain('consumer stopped')
    await stack.restart('worker:chat')
    await expectEachAnsweredOnce(senders)
    stack.x.clearRules()
  }, 90_000)
})
