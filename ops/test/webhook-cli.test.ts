import { afterAll, beforeEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RecordedRequest, startFakeXApi } from '@tweetbot/testing/fake-x-api'
import { runWebhookCli } from '../src/webhook-cli.ts'

const BOT_ID = '1111111111111111111'
const fake = await startFakeXApi({ bot: { id: BOT_ID, username: 'tf_tweetbot' } })
const dir = mkdtempSync(join(tmpdir(), 'webhook-cli-'))
const caFile = join(dir, 'fake-x-ca.pem')
writeFileSync(caFile, fake.caCert)
afterAll(async () => {
  await fake.stop()
  rmSync(dir, { recursive: true, force: true })
})

const SECRETS = {
  TWITTER_CONSUMER_KEY: 'ck-test',
  TWITTER_CONSUMER_SECRET: 'cs-test-secret-value',
  TWITTER_ACCESS_TOKEN: `${BOT_ID}-at-test`,
  TWITTER_ACCESS_TOKEN_SECRET: 'ats-test-secret-value',
  TWITTER_BEARER_TOKEN: 'bearer-test-secret-value',
}
const baseEnv = { ...SECRETS, TWITTER_API_BASE_URL: fake.url, TWITTER_CA_FILE: caFile }

const run = async (argv: string[], env: Record<string, string | undefined> = baseEnv) => {
  const out: string[] = []
  const err: string[] = []
  const code = await runWebhookCli(argv, env, { out: (l) => out.push(l), err: (l) => err.push(l) })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

/** The X calls a command made (skips nothing: the fake records everything). */
const calls = () => fake.requests.map((r) => `${r.method} ${r.path}`)
const authKind = (r: RecordedRequest) => {
  const h = r.headers.authorization ?? ''
  if (h === `Bearer ${SECRETS.TWITTER_BEARER_TOKEN}`) return 'app'
  if (
    h.startsWith('OAuth ') &&
    h.includes(`oauth_token="${encodeURIComponent(SECRETS.TWITTER_ACCESS_TOKEN)}"`)
  )
    return 'user'
  if (h.startsWith('Basic ')) return 'basic'
  return h === '' ? 'none' : 'other'
}
/** The one X call a command made, checked for method, path and auth kind. */
const onlyCall = (method: string, path: string, auth: ReturnType<typeof authKind>) => {
  expect(fake.requests).toHaveLength(1)
  const req = fake.requests[0]!
  expect([req.method, req.path, authKind(req)]).toEqual([method, path, auth])
  return req
}
const answer = (method: string, path: string | RegExp, status: number, body: unknown) =>
  fake.respondWith({ method, path, status, body })

const NO_SECRET_IN = (text: string) => {
  for (const v of Object.values(SECRETS)) expect(text).not.toContain(v)
}

/** A webhook as X lists it under `data` (created_at only where X sent one). */
const webhook = (id: string, url: string, valid: boolean, createdAt?: string) => ({
  id,
  url,
  valid,
  ...(createdAt && { created_at: createdAt }),
})
/** An Activity API subscription to the bot's own events (webhook_id only where it has one). */
const activitySubscription = (id: string, eventType: string, webhookId?: string) => ({
  subscription_id: id,
  event_type: eventType,
  filter: { user_id: BOT_ID },
  ...(webhookId && { webhook_id: webhookId }),
})

/** A command that makes one X call (answered 200) and prints one line. */
interface OneCallCommand {
  /** The test's name: the command, the call it makes and the auth it uses. */
  does: string
  argv: string[]
  call: [method: string, path: string, auth: ReturnType<typeof authKind>]
  xAnswers: unknown
  prints: string
}
/** One test a command: exactly its call, with its auth, then exit 0 and exactly its line. */
const eachMakesOneCall = (commands: OneCallCommand[]) => {
  for (const { does, argv, call, xAnswers, prints } of commands)
    test(does, async () => {
      const [method, path, auth] = call
      answer(method, path, 200, xAnswers)
      const r = await run(argv)
      onlyCall(method, path, auth)
      expect(r.code).toBe(0)
      expect(r.out).toBe(prints)
    })
}

beforeEach(() => fake.reset())

describe('webhook commands: method, path, auth, printed result', () => {
  eachMakesOneCall([
    {
      does: 'validate <id>: PUT /2/webhooks/:id with the app bearer',
      argv: ['validate', '111'],
      call: ['PUT', '/2/webhooks/111', 'app'],
      xAnswers: { data: { valid: true } },
      prints: 'webhook 111: CRC passed, webhook valid',
    },
    {
      does: 'delete <id>: DELETE /2/webhooks/:id with the app bearer',
      argv: ['delete', '111'],
      call: ['DELETE', '/2/webhooks/111', 'app'],
      xAnswers: { data: { deleted: true } },
      prints: 'deleted webhook 111',
    },
    {
      does: 'unsubscribe <id>: DELETE .../subscriptions/:bot_id/all with the app bearer',
      argv: ['unsubscribe', '111'],
      call: ['DELETE', `/2/account_activity/webhooks/111/subscriptions/${BOT_ID}/all`, 'app'],
      xAnswers: { data: { subscribed: false } },
      prints: `unsubscribed user ${BOT_ID} from webhook 111`,
    },
    {
      does: 'activity-delete <id>: DELETE /2/activity/subscriptions/:id with the app bearer',
      argv: ['activity-delete', '555'],
      call: ['DELETE', '/2/activity/subscriptions/555', 'app'],
      xAnswers: { data: { deleted: true } },
      prints: 'deleted activity subscription 555',
    },
  ])

  test('register <url>: POST /2/webhooks {url} with the app bearer', async () => {
    answer('POST', '/2/webhooks', 200, {
      data: webhook(
        '1234567890',
        'https://bot.example.com/webhook',
        true,
        '2026-11-28T00:00:00.000Z',
      ),
    })
    const r = await run(['register', 'https://bot.example.com/webhook'])
    expect(r.code).toBe(0)
    const req = onlyCall('POST', '/2/webhooks', 'app')
    expect(req.json).toEqual({ url: 'https://bot.example.com/webhook' })
    expect(r.out).toContain(
      'registered webhook 1234567890 for https://bot.example.com/webhook (CRC passed)',
    )
    expect(r.out).toContain('bun run webhook subscribe 1234567890')
  })

  test('list: GET /2/webhooks with the app bearer, one line per webhook', async () => {
    answer('GET', '/2/webhooks', 200, {
      data: [
        webhook('111', 'https://a.example.com/webhook', true, '2026-11-01T00:00:00.000Z'),
        webhook('222', 'https://b.example.com/webhook', false),
      ],
      meta: { result_count: 2 },
    })
    const r = await run(['list'])
    expect(r.code).toBe(0)
    onlyCall('GET', '/2/webhooks', 'app')
    expect(r.out).toContain('2 webhooks:')
    expect(r.out).toContain(
      '111  https://a.example.com/webhook  valid  created 2026-11-01T00:00:00.000Z',
    )
    expect(r.out).toContain('222  https://b.example.com/webhook  INVALID')
  })

  test('list --json prints the raw answer', async () => {
    answer('GET', '/2/webhooks', 200, { data: [], meta: { result_count: 0 } })
    const r = await run(['list', '--json'])
    expect(JSON.parse(r.out)).toEqual({ data: [], meta: { result_count: 0 } })
  })

  test('validate reports a CRC that X ran but the master failed', async () => {
    answer('PUT', '/2/webhooks/111', 200, { data: { valid: false } })
    const r = await run(['validate', '111'])
    expect(r.out).toContain('CRC FAILED, still invalid')
  })

  test('subscribe <id>: POST .../subscriptions/all as the bot (OAuth 1.0a user)', async () => {
    answer('POST', '/2/account_activity/webhooks/111/subscriptions/all', 200, {
      data: { subscribed: true },
    })
    const r = await run(['subscribe', '111'])
    const req = onlyCall('POST', '/2/account_activity/webhooks/111/subscriptions/all', 'user')
    expect(req.headers.authorization).toContain('oauth_signature_method="HMAC-SHA1"')
    expect(req.headers.authorization).toContain(
      `oauth_consumer_key="${SECRETS.TWITTER_CONSUMER_KEY}"`,
    )
    expect(r.code).toBe(0)
    expect(r.out).toContain('bot subscribed to webhook 111')
  })

  test('subscriptions <id>: GET .../subscriptions/all/list with the app bearer, marks the bot', async () => {
    answer('GET', '/2/account_activity/webhooks/111/subscriptions/all/list', 200, {
      data: {
        application_id: '99',
        webhook_id: '111',
        subscriptions: [{ user_id: BOT_ID }, { user_id: '42' }],
      },
    })
    const r = await run(['subscriptions', '111'])
    onlyCall('GET', '/2/account_activity/webhooks/111/subscriptions/all/list', 'app')
    expect(r.out).toContain('webhook 111: 2 subscriptions:')
    expect(r.out).toContain(`user ${BOT_ID}  (the bot)`)
    expect(r.out).toContain('user 42')
    // Only the bot is marked.
    expect(r.out.split('\n').at(-1)).toBe('  user 42')
  })

  test('unsubscribe asks GET /2/users/me (as the bot) when the bot id is not known locally', async () => {
    answer('DELETE', `/2/account_activity/webhooks/111/subscriptions/${BOT_ID}/all`, 200, {
      data: { subscribed: false },
    })
    const r = await run(['unsubscribe', '111'], {
      ...baseEnv,
      TWITTER_ACCESS_TOKEN: 'opaque-token',
    })
    expect(r.code).toBe(0)
    expect(calls()).toEqual([
      'GET /2/users/me',
      `DELETE /2/account_activity/webhooks/111/subscriptions/${BOT_ID}/all`,
    ])
    expect(fake.requests[0]!.headers.authorization).toStartWith('OAuth ')
  })

  test('replay <id> <from> <to>: POST /2/webhooks/replay with yyyymmddhhmm dates', async () => {
    answer('POST', '/2/webhooks/replay', 200, {
      data: { job_id: '777', created_at: '2026-11-28T00:00:00.000Z' },
    })
    const r = await run(['replay', '111', '2026-11-27T10:00Z', '202611271130'])
    expect(r.code).toBe(0)
    const req = onlyCall('POST', '/2/webhooks/replay', 'app')
    expect(req.json).toEqual({
      webhook_id: '111',
      from_date: '202611271000',
      to_date: '202611271130',
    })
    expect(r.out).toContain(
      'replay requested for webhook 111, 202611271000..202611271130 UTC (job 777)',
    )
  })

  test('without TWITTER_BEARER_TOKEN the app token comes from POST /oauth2/token (Basic auth)', async () => {
    answer('POST', '/oauth2/token', 200, { token_type: 'bearer', access_token: 'minted-bearer' })
    answer('GET', '/2/webhooks', 200, { data: [] })
    const r = await run(['list'], { ...baseEnv, TWITTER_BEARER_TOKEN: undefined })
    expect(r.code).toBe(0)
    expect(calls()).toEqual(['POST /oauth2/token', 'GET /2/webhooks'])
    expect(authKind(fake.requests[0]!)).toBe('basic')
    expect(fake.requests[1]!.headers.authorization).toBe('Bearer minted-bearer')
    expect(r.out).toContain('no webhooks registered')
  })
})

test('an empty 204 answer still prints the result', async () => {
  fake.respondWith({ method: 'DELETE', path: '/2/webhooks/112', status: 204 })
  const r = await run(['delete', '112'])
  expect(r.code).toBe(0)
  expect(r.out).toBe('deleted webhook 112')
})

describe('X Activity API subscriptions', () => {
  test('activity-subscribe <webhook_id> <event_type>: POST /2/activity/subscriptions as the bot', async () => {
    answer('POST', '/2/activity/subscriptions', 200, {
      data: { ...activitySubscription('555', 'dm.received', '111'), tag: 'tweetbot dm.received' },
    })
    const r = await run(['activity-subscribe', '111', 'dm.received'])
    expect(r.code).toBe(0)
    const req = onlyCall('POST', '/2/activity/subscriptions', 'user')
    expect(req.json).toEqual({
      event_type: 'dm.received',
      filter: { user_id: BOT_ID },
      tag: 'tweetbot dm.received',
      webhook_id: '111',
    })
    expect(r.out).toContain(
      `activity subscription 555: 555  dm.received  user ${BOT_ID}  → webhook 111`,
    )
    // A type the bot answers gets no "ignored" note.
    expect(r.out).not.toContain('note:')
  })

  test('activity-subscribe accepts the spec shape data.subscription and flags non-bot types', async () => {
    answer('POST', '/2/activity/subscriptions', 200, {
      data: { subscription: activitySubscription('556', 'like.create', '111') },
    })
    const r = await run(['activity-subscribe', '111', 'like.create'])
    expect(r.code).toBe(0)
    expect(r.out).toContain('activity subscription 556')
    expect(r.out).toContain('the master acknowledges but ignores like.create')
  })

  test('activity-list: GET /2/activity/subscriptions with the app bearer', async () => {
    answer('GET', '/2/activity/subscriptions', 200, {
      data: [
        activitySubscription('555', 'dm.received', '111'),
        activitySubscription('556', 'post.mention.create'),
      ],
      meta: { total_subscriptions: 2 },
    })
    const r = await run(['activity-list'])
    onlyCall('GET', '/2/activity/subscriptions', 'app')
    expect(r.out).toContain('2 activity subscriptions:')
    expect(r.out).toContain(`555  dm.received  user ${BOT_ID}  → webhook 111`)
    expect(r.out).toContain('556  post.mention.create')
    expect(r.out).toContain('(stream only)')
    // The subscription without a webhook is the one marked stream only.
    expect(r.out).toContain(`556  post.mention.create  user ${BOT_ID}  (stream only)`)
  })
})

const problem = (reason: string, status: number) => ({
  errors: [{ message: reason }],
  title: 'Invalid Request',
  detail: 'One or more parameters to your request was invalid.',
  type: 'https://api.twitter.com/2/problems/invalid-request',
  status,
})
/** X's problem body without a problem type (type about:blank), as on 401, some 403s and 429. */
const plainProblem = (title: string, detail: string, status: number) => ({
  title,
  detail,
  type: 'about:blank',
  status,
})

describe('errors become clear messages (and never show a secret)', () => {
  const REGISTER = ['register', 'https://bot.example.com/webhook']
  const refusals: {
    refused: string
    argv: string[]
    call: [method: string, path: string | RegExp]
    reason: string
    status: number
    says: string[]
  }[] = [
    {
      refused: 'CRC failed: master unreachable or answering wrong',
      argv: REGISTER,
      call: ['POST', '/2/webhooks'],
      reason: 'CrcValidationFailed',
      status: 400,
      says: [
        'register failed: the CRC check failed',
        'master was unreachable or answered wrong',
        'X said (HTTP 400): Invalid Request: One or more parameters',
      ],
    },
    {
      refused: 'webhook limit reached',
      argv: REGISTER,
      call: ['POST', '/2/webhooks'],
      reason: 'WebhookLimitExceeded',
      status: 403,
      says: ['webhook limit reached', 'bun run webhook delete <id>'],
    },
    {
      refused: 'duplicate URL',
      argv: REGISTER,
      call: ['POST', '/2/webhooks'],
      reason: 'DuplicateUrlFailed',
      status: 400,
      says: ['this URL is already registered'],
    },
    {
      refused: 'duplicate subscription',
      argv: ['subscribe', '111'],
      call: ['POST', /subscriptions\/all$/],
      reason: 'DuplicateSubscriptionFailed',
      status: 409,
      says: ['already subscribed'],
    },
  ]
  for (const { refused, argv, call, reason, status, says } of refusals)
    test(refused, async () => {
      answer(...call, status, problem(reason, status))
      const r = await run(argv)
      expect(r.code).toBe(1)
      for (const message of says) expect(r.err).toContain(message)
      NO_SECRET_IN(r.err)
    })

  test('missing permission', async () => {
    answer(
      'POST',
      /subscriptions\/all$/,
      403,
      plainProblem('Forbidden', 'You are not permitted to perform this action.', 403),
    )
    const r = await run(['subscribe', '111'])
    expect(r.code).toBe(1)
    expect(r.err).toContain('missing permission (403)')
    expect(r.err).toContain('Read, Write and Direct Messages')
    expect(r.err).toContain('You are not permitted to perform this action.')
  })

  test('bad credentials name the variables for the auth kind used', async () => {
    answer('GET', '/2/webhooks', 401, plainProblem('Unauthorized', 'Unauthorized', 401))
    const r = await run(['list'])
    expect(r.err).toContain('X rejected the app credentials (401)')
    expect(r.err).toContain('TWITTER_BEARER_TOKEN')
    NO_SECRET_IN(r.err)
  })

  test('rate limit shows when it resets', async () => {
    const reset = Math.ceil(Date.now() / 1000) + 600
    fake.respondWith({
      method: 'GET',
      path: '/2/webhooks',
      status: 429,
      headers: {
        'x-rate-limit-limit': '15',
        'x-rate-limit-remaining': '0',
        'x-rate-limit-reset': String(reset),
      },
      body: plainProblem('Too Many Requests', 'Too Many Requests', 429),
    })
    const r = await run(['list'])
    expect(r.err).toContain('rate limited by X (429)')
    expect(r.err).toContain(`resets at ${new Date(reset * 1000).toISOString()}`)
  })

  test('missing credentials: names what to set, calls nothing', async () => {
    const r = await run(['subscribe', '111'], {
      TWITTER_API_BASE_URL: fake.url,
      TWITTER_CA_FILE: caFile,
    })
    expect(r.code).toBe(1)
    expect(r.err).toContain('missing credentials')
    expect(r.err).toContain('TWITTER_ACCESS_TOKEN_SECRET')
    expect(fake.requests).toHaveLength(0)
  })

  test('X API unreachable', async () => {
    const r = await run(['list'], { ...baseEnv, TWITTER_API_BASE_URL: 'https://127.0.0.1:1' })
    expect(r.code).toBe(1)
    expect(r.err).toContain('could not reach the X API at https://127.0.0.1:1: ')
    expect(r.err).toMatch(/ECONNREFUSED|refused/i)
  })

  test('a certificate not trusted is refused (TLS verification stays on)', async () => {
    const r = await run(['list'], { ...baseEnv, TWITTER_CA_FILE: undefined })
    expect(r.code).toBe(1)
    expect(r.err).toContain('could not reach the X API')
    expect(r.err).toContain('set TWITTER_CA_FILE')
    expect(fake.requests).toHaveLength(0)
    const missing = await run(['list'], { ...baseEnv, TWITTER_CA_FILE: join(dir, 'nope.pem') })
    expect(missing.err).toContain('TWITTER_CA_FILE: cannot read')
  })

  test('usage errors: unknown command, bad id, bad url, bad dates, http:// base URL', async () => {
    expect((await run(['frobnicate'])).code).toBe(2)
    const badId = await run(['validate', 'abc'])
    expect(badId.err).toContain('webhook_id must be a numeric id')
    expect(badId.code).toBe(2)
    expect((await run(['register', 'http://bot.example.com/webhook'])).err).toContain(
      'public https:// URL',
    )
    expect((await run(['replay', '1', 'yesterday', 'today'])).err).toContain('yyyymmddhhmm')
    expect((await run(['replay', '1', '202611271200', '202611271100'])).err).toContain(
      'from must be before to',
    )
    expect((await run(['activity-subscribe', '1', 'DMs'])).err).toContain(
      'event_type must look like dm.received',
    )
    const http = await run(['list'], { ...baseEnv, TWITTER_API_BASE_URL: 'http://127.0.0.1:9' })
    expect(http.code).toBe(2)
    expect(http.err).toContain('TWITTER_API_BASE_URL: must be an https:// URL')
    expect(fake.requests).toHaveLength(0)
  })
})

test('the entry point runs as `bun run webhook` and prints the result', async () => {
  answer('GET', '/2/webhooks', 200, {
    data: [webhook('9', 'https://x.example.com/webhook', true)],
  })
  const proc = Bun.spawn(['bun', 'src/webhook-cli.ts', 'list'], {
    cwd: join(import.meta.dir, '..'),
    env: { ...process.env, ...baseEnv },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  expect(await proc.exited).toBe(0)
  expect(await new Response(proc.stdout).text()).toContain(
    '1 webhook:\n  9  https://x.example.com/webhook  valid',
  )
})
