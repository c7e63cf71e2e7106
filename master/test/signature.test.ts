import { afterAll, describe, expect, test } from 'bun:test'
import { testRedisUrl } from '@tweetbot/testing'
import { nodeSignatureVerifier } from '../src/node-signature.ts'
import { fixtureText } from './fixtures/index.ts'
import { metric, SECRET, sign, startHarness } from './helpers.ts'

const body = fixtureText('aaa/dm-photo')
const good = sign(body)

const verifiers = [
  ['Web Crypto verifier (default, edge)', undefined],
  ['node:crypto verifier (main.ts)', nodeSignatureVerifier(SECRET)],
] as const

for (const [verifierName, verifySignature] of verifiers)
  describe(`webhook signatures, ${verifierName}`, () => {
    const h = startHarness({
      redisUrl: testRedisUrl(),
      ...(verifySignature ? { verifySignature } : {}),
    })
    afterAll(() => h.close())

    test('a valid signature is accepted and the DM queued', async () => {
      const res = await h.post(body)
      expect(res.status).toBe(200)
      expect((await h.jobs('chat')).map((j) => j.eventId)).toEqual(['954491830116155396'])
    })

    const base64Garbage = `sha256=${good.slice(7).replace(/[A-Za-z]/g, (ch) => (ch === 'A' ? 'B' : 'A'))}`
    const cases: [string, string, Record<string, string>][] = [
      ['wrong secret', body, { 'x-twitter-webhooks-signature': sign(body, `${SECRET}x`) }],
      ['one flipped body byte', body.replace('what is this?', 'what is thi5?'), {}],
      ['truncated body', body.slice(0, -1), {}],
      ['extra whitespace in the body', `${body}\n`, {}],
      ['reformatted body', JSON.stringify(JSON.parse(body)), {}],
      ['missing header', body, { 'x-twitter-webhooks-signature': '' }],
      ['header without sha256=', body, { 'x-twitter-webhooks-signature': good.slice(7) }],
      ['non-base64 garbage', body, { 'x-twitter-webhooks-signature': 'sha256=!!not*base64~~' }],
      ['well-formed but wrong base64', body, { 'x-twitter-webhooks-signature': base64Garbage }],
      ['sha1= prefix', body, { 'x-twitter-webhooks-signature': good.replace('sha256=', 'sha1=') }],
      ['signature of a different body', body, { 'x-twitter-webhooks-signature': sign('{}') }],
    ]
    for (const [name, sent, headers] of cases)
      test(`${name} → 401, nothing queued`, async () => {
        const before = await h.jobs('chat')
        // Bodies in these cases keep the signature of the original fixture unless overridden.
        const res = await h.app.request('/webhook', {
          method: 'POST',
          body: sent,
          headers: {
            'content-type': 'application/json',
            'x-twitter-webhooks-signature': good,
            ...headers,
          },
        })
        expect(res.status).toBe(401)
        expect(await h.jobs('chat')).toEqual(before)
        expect(await h.jobs('tweet')).toEqual([])
      })

    test('no signature header at all → 401, counted as missing', async () => {
      const res = await h.app.request('/webhook', {
        method: 'POST',
        body: fixtureText('aaa/mention-photo'),
        headers: { 'content-type': 'application/json' },
      })
      expect(res.status).toBe(401)
      expect(await h.jobs('tweet')).toEqual([])
      const text = await h.metrics()
      expect(metric(text, 'tweetbot_master_signature_failures_total', { reason: 'missing' })).toBe(
        2,
      )
      expect(
        metric(text, 'tweetbot_master_signature_failures_total', { reason: 'malformed' }),
      ).toBe(3)
      expect(metric(text, 'tweetbot_master_signature_failures_total')).toBe(cases.length + 1)
    })

    test('the body is never parsed before the signature check: unsigned garbage is 401, not 400', async () => {
      const res = await h.app.request('/webhook', {
        method: 'POST',
        body: '{not json',
        headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': good },
      })
      expect(res.status).toBe(401)
    })
  })

test('the injected verifier is the one used', async () => {
  const h = startHarness({ redisUrl: testRedisUrl(), verifySignature: () => false })
  expect((await h.post(body)).status).toBe(401)
  await h.close()
})
