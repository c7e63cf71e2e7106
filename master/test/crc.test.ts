import { afterAll, describe, expect, test } from 'bun:test'
import { createHmac } from 'node:crypto'
import { testRedisUrl } from '@tweetbot/testing'
import { fixtureText } from './fixtures/index.ts'
import { SECRET, startHarness } from './helpers.ts'

const h = startHarness({ redisUrl: testRedisUrl() })
afterAll(() => h.close())

const crc = (token: string) => h.app.request(`/webhook?crc_token=${encodeURIComponent(token)}`)

/** `openssl dgst -sha256 -hmac SECRET -binary | base64`, run as a separate process. */
const opensslToken = async (token: string) => {
  const proc = Bun.spawn(
    ['sh', '-c', 'printf %s "$TOKEN" | openssl dgst -sha256 -hmac "$KEY" -binary | base64'],
    { env: { ...process.env, TOKEN: token, KEY: SECRET }, stdout: 'pipe' },
  )
  const out = (await new Response(proc.stdout).text()).trim()
  await proc.exited
  return `sha256=${out}`
}

describe('CRC', () => {
  test('answers with sha256= + base64 HMAC equal to openssl and node:crypto', async () => {
    const token = 'ZmFrZS1jcmMtdG9rZW4tZnJvbS14LTEyMzQ1Njc4OTA='
    const res = await crc(token)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('application/json')
    const body = (await res.json()) as { response_token: string }
    expect(body.response_token).toBe(await opensslToken(token))
    expect(body.response_token).toBe(
      `sha256=${createHmac('sha256', SECRET).update(token).digest('base64')}`,
    )
  })

  test('a url-safe token with - and _ is answered too', async () => {
    const token = 'a-b_c-d_e-f_g-h_i-j_k-l_m-n_o-p_'
    const body = (await (await crc(token)).json()) as { response_token: string }
    expect(body.response_token).toBe(await opensslToken(token))
  })

  test('missing or empty crc_token → 400 with a reason', async () => {
    for (const path of ['/webhook', '/webhook?crc_token=', '/webhook?other=1']) {
      const res = await h.app.request(path)
      expect(res.status).toBe(400)
      expect(((await res.json()) as { error: string }).error).toContain('crc_token')
    }
  })

  test('is not a signing oracle: a JSON webhook body as crc_token → 400, no signature given', async () => {
    for (const token of [
      fixtureText('aaa/dm-photo'),
      fixtureText('xaa/dm-received'),
      JSON.stringify({ for_user_id: '1', direct_message_events: [] }),
      '1234567890123456789',
      'true',
    ]) {
      const res = await crc(token)
      expect(res.status).toBe(400)
      expect(await res.text()).not.toContain('sha256=')
    }
  })

  test('tokens that are not token-like → 400 (too short, too long, spaces, quotes)', async () => {
    for (const token of [
      'short',
      'x'.repeat(129),
      'has some spaces in it!!',
      '"quoted-token-value"',
    ])
      expect((await crc(token)).status).toBe(400)
  })

  test("a token that is too short says what X's tokens look like", async () => {
    const res = await crc('test')
    expect(res.status).toBe(400)
    const { error } = (await res.json()) as { error: string }
    expect(error).toContain('16-128 characters of [A-Za-z0-9+/=_-]')
    expect(error).toContain('got 4 characters')
  })

  test("the README's deploy smoke test (curl …?crc_token=…) is answered with the right HMAC", async () => {
    const readme = await Bun.file(`${import.meta.dir}/../../README.md`).text()
    const tokens = [...readme.matchAll(/curl[^\n]*\/webhook\?crc_token=([^"\s]+)"/g)].map(
      (m) => m[1]!,
    )
    expect(tokens.length).toBeGreaterThan(0)
    for (const token of tokens) {
      const res = await crc(token)
      expect(res.status).toBe(200)
      const body = (await res.json()) as { response_token: string }
      expect(body.response_token).toBe(await opensslToken(token))
    }
  })
})
