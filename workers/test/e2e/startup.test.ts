// End to end: start-up order and configuration errors, with real processes.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { resolve } from 'node:path'
import { runProcess, waitFor } from '@tweetbot/testing'
import { dmDelivery, nextXId } from '@tweetbot/testing/deliveries'
import { type Stack, startStack } from '@tweetbot/testing/stack'
import { ensureDefaultModel } from './helpers.ts'

let stack: Stack

const readyz = async () => {
  const res = await fetch(`${stack.services['worker:chat'].url}/readyz`).catch(() => undefined)
  return res && { status: res.status, body: (await res.json()) as { checks: { model: boolean } } }
}

/** Runs a worker with only PATH and `env` set; its exit code and stderr. */
const runWorker = async (kind: 'chat' | 'tweet', env: Record<string, string>) => {
  const { code, stderr } = await runProcess([process.execPath, 'workers/src/main.ts', kind], {
    cwd: resolve(import.meta.dir, '../../..'),
    env: { PATH: process.env.PATH ?? '', ...env },
  })
  return { code, err: stderr }
}

// Once with the worker on REST, once on gRPC (TF_SERVER_URL=grpc://…).
describe.each(['rest', 'grpc'] as const)('start-up over %s (e2e)', (transport) => {
  beforeAll(async () => {
    stack = await startStack({
      modelDir: await ensureDefaultModel(),
      services: ['master'],
      transport,
    })
  }, 120_000)
  afterAll(() => stack?.stop())

  test('a worker started before tf-serving is not ready and takes no job until the model is known', async () => {
    await stack.start('worker:chat', { waitReady: false })
    await waitFor('the worker to answer /readyz', async () => (await readyz()) !== undefined)
    const seen = (await readyz())!
    expect(seen.status).toBe(503)
    expect(seen.body.checks.model).toBe(false)
    const sender = nextXId()
    expect(
      (await stack.postDelivery(dmDelivery({ botId: stack.botId, senderId: sender }))).status,
    ).toBe(200)
    await Bun.sleep(500)
    expect(stack.x.requests).toHaveLength(0)
    expect(stack.services['worker:chat'].logs()).toContain('tf-serving not ready; retrying')
    await stack.start('tf-serving')
    await stack.waitReady('worker:chat')
    await stack.x.waitForRequests(1, (r) => r.path.includes(`/with/${sender}/`))
  }, 60_000)
})

describe('start-up (e2e)', () => {
  test('a bad environment stops the worker with exit code 2, naming each variable, never a secret', async () => {
    const { code, err } = await runWorker('chat', {
      TWITTER_CONSUMER_SECRET: 'hunter2-very-secret',
      CHAT_WORKER_CONCURRENCY: 'lots',
      MEDIA_ALLOWED_HOSTS: 'http://bad/',
    })
    expect(code).toBe(2)
    for (const name of [
      'TF_SERVER_URL',
      'TWITTER_CONSUMER_KEY',
      'TWITTER_ACCESS_TOKEN',
      'TWITTER_ACCESS_TOKEN_SECRET',
      'CHAT_WORKER_CONCURRENCY',
      'MEDIA_ALLOWED_HOSTS',
    ])
      expect(err).toContain(name)
    expect(err).not.toContain('hunter2')
  })

  test('in load-testing mode the X keys are optional', async () => {
    const { code, err } = await runWorker('tweet', {
      FLT_LOAD_TESTING_MODE: 'True',
      CHAT_WORKER_CONCURRENCY: 'x',
    })
    expect(code).toBe(2)
    expect(err).toContain('TF_SERVER_URL')
    expect(err).not.toContain('TWITTER_CONSUMER_KEY')
  })
})
