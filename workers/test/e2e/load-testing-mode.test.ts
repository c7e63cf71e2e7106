// End to end in FLT_LOAD_TESTING_MODE=True: the whole pipeline runs, nothing is sent to X.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { waitFor } from '@tweetbot/testing'
import { dmDelivery, mentionDelivery, nextXId } from '@tweetbot/testing/deliveries'
import { makePhoto } from '@tweetbot/testing/images'
import { type Stack, startStack } from '@tweetbot/testing/stack'
import { ensureDefaultModel, jpeg } from './helpers.ts'

let stack: Stack
beforeAll(async () => {
  stack = await startStack({
    modelDir: await ensureDefaultModel(),
    loadTesting: true,
    images: { '/ok.jpg': jpeg(await makePhoto(2)) },
    env: { all: { LOAD_TEST_REPLY_DELAY_MS: '50' } },
  })
}, 120_000)
afterAll(() => stack?.stop())

const replied = async (name: 'worker:chat' | 'worker:tweet') =>
  Number(
    /tweetbot_jobs_total\{[^}]*outcome="replied"[^}]*\} (\d+)/.exec(
      await stack.metrics(name),
    )?.[1] ?? 0,
  )

test('load-testing mode: DMs and mentions are classified and counted as replied, X is never called', async () => {
  const photo = stack.imageUrl('/ok.jpg')
  const dm = nextXId()
  await stack.postDelivery(
    dmDelivery({ botId: stack.botId, senderId: '31', eventId: dm, mediaUrl: photo }),
  )
  await stack.postDelivery(mentionDelivery({ botId: stack.botId, authorId: '32', mediaUrl: photo }))
  await waitFor(
    'both workers to reply',
    async () => (await replied('worker:chat')) >= 1 && (await replied('worker:tweet')) >= 1,
  )
  expect(stack.x.requests).toHaveLength(0)
  expect(stack.images.hits.get('/ok.jpg')).toBe(2)
  const line = stack.services['worker:chat']
    .logs()
    .split('\n')
    .find((l) => l.includes('"msg":"replied"') && l.includes(dm))
  expect(line).toMatch(/"text":"I see /)
})

test('load-testing mode is visible to tooling on /readyz and /metrics', async () => {
  for (const name of ['worker:chat', 'worker:tweet'] as const) {
    const ready = (await (await fetch(`${stack.services[name].url}/readyz`)).json()) as {
      loadTestingMode: boolean
    }
    expect(ready.loadTestingMode).toBe(true)
    expect(await stack.metrics(name)).toMatch(/^tweetbot_load_testing_mode\{[^}]*\} 1$/m)
  }
})

test('workers serve /metrics on METRICS_PORT only; PORT keeps the probes', async () => {
  for (const name of ['worker:chat', 'worker:tweet'] as const) {
    const { url, metricsUrl } = stack.services[name]
    expect(metricsUrl).not.toBe(url)
    expect((await fetch(`${url}/metrics`)).status).toBe(404)
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    const metrics = await fetch(`${metricsUrl}/metrics`)
    expect(metrics.status).toBe(200)
    expect(await metrics.text()).toContain('tweetbot_jobs_in_flight')
    expect((await fetch(`${metricsUrl}/readyz`)).status).toBe(404)
  }
})
