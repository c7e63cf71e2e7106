import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { verifyWebhookSignature } from '@tweetbot/common/webhook-signature'
import { fakeBotId } from '../src/payloads.ts'
import { generateTargets, readVegetaJson, writeTargets } from '../src/targets.ts'

const SECRET = 'load-test-secret'
const URL = 'http://127.0.0.1:8080/webhook'
const MEDIA = 'http://127.0.0.1:9100'
const dir = mkdtempSync(join(tmpdir(), 'targets-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

// biome-ignore lint/suspicious/noExplicitAny: test reads arbitrary JSON paths
type Any = Record<string, any>

describe('generated targets', async () => {
  const targets = await generateTargets({
    count: 60,
    kind: 'mix',
    url: URL,
    secret: SECRET,
    mediaBaseUrl: MEDIA,
  })
  const files = writeTargets(dir, targets)
  const lines = readFileSync(files.json, 'utf8').trim().split('\n')
  const parsed = readVegetaJson(readFileSync(files.json, 'utf8'))

  test('one vegeta JSON target per line: method, url, base64 body, header arrays', () => {
    expect(lines).toHaveLength(60)
    for (const line of lines) {
      const t = JSON.parse(line)
      expect(Object.keys(t).sort()).toEqual(['body', 'header', 'method', 'url'])
      expect(t.method).toBe('POST')
      expect(t.url).toBe(URL)
      expect(Buffer.from(t.body, 'base64').toString('base64')).toBe(t.body)
      expect(t.header['Content-Type']).toEqual(['application/json'])
      expect(t.header['x-twitter-webhooks-signature']).toHaveLength(1)
    }
  })

  test('every body parses and is a DM or a mention with a photo from the local media server', () => {
    let dms = 0
    let tweets = 0
    for (const t of parsed) {
      const body = JSON.parse(t.body) as Any
      expect(body.for_user_id).toBe(fakeBotId())
      expect(t.body).not.toContain('pbs.twimg.com')
      if (body.direct_message_events) {
        dms++
        const ev = body.direct_message_events[0]
        expect(ev.type).toBe('message_create')
        expect(ev.message_create.target.recipient_id).toBe(fakeBotId())
        expect(ev.message_create.sender_id).not.toBe(fakeBotId())
        expect(body.users[ev.message_create.sender_id].id).toBe(ev.message_create.sender_id)
        const media = ev.message_create.message_data.attachment.media
        expect(media.type).toBe('photo')
        expect(media.media_url_https.startsWith(`${MEDIA}/media/`)).toBe(true)
      } else {
        tweets++
        const tw = body.tweet_create_events[0]
        expect(tw.entities.user_mentions.map((m: Any) => m.id_str)).toContain(fakeBotId())
        expect(tw.user.id_str).not.toBe(fakeBotId())
        expect(tw.extended_entities.media[0].type).toBe('photo')
        expect(tw.extended_entities.media[0].media_url_https.startsWith(`${MEDIA}/media/`)).toBe(
          true,
        )
      }
    }
    expect(dms).toBe(30)
    expect(tweets).toBe(30)
  })

  test('event ids are distinct, also across two runs', async () => {
    const ids = targets.map((t) => t.eventId)
    expect(new Set(ids).size).toBe(60)
    await Bun.sleep(2)
    const again = await generateTargets({
      count: 5,
      kind: 'dm',
      url: URL,
      secret: SECRET,
      mediaBaseUrl: MEDIA,
    })
    for (const t of again) expect(ids).not.toContain(t.eventId)
  })

  test("every signature verifies with the master's check, and only for its own body", async () => {
    for (const t of parsed) {
      const sig = t.headers['x-twitter-webhooks-signature']
      expect(await verifyWebhookSignature(SECRET, t.body, sig)).toBe(true)
      expect(await verifyWebhookSignature('another-secret', t.body, sig)).toBe(false)
    }
    const [a, b] = parsed
    expect(
      await verifyWebhookSignature(SECRET, a!.body, b!.headers['x-twitter-webhooks-signature']),
    ).toBe(false)
  })

  test('targets.txt + body.json hold the first request in the classic format', async () => {
    const txt = readFileSync(files.txt, 'utf8').split('\n')
    expect(txt[0]).toBe(`POST ${URL}`)
    expect(txt).toContain('Content-Type: application/json')
    expect(txt.at(-2)).toBe(`@${files.body}`)
    const body = readFileSync(files.body, 'utf8')
    expect(body).toBe(targets[0]!.body)
    const sig = txt.find((l) => l.startsWith('x-twitter-webhooks-signature: '))!.split(': ')[1]
    expect(await verifyWebhookSignature(SECRET, body, sig)).toBe(true)
  })
})

test('a count below 1 is refused', async () => {
  await expect(
    generateTargets({ count: 0, kind: 'dm', url: URL, secret: SECRET, mediaBaseUrl: MEDIA }),
  ).rejects.toThrow('count')
})

test('the CLI writes the files and signs with TWITTER_CONSUMER_SECRET', async () => {
  const out = join(dir, 'cli')
  const proc = Bun.spawn(
    ['bun', 'src/targets-cli.ts', '--count', '4', '--kind', 'tweet', '--url', URL, '--out', out],
    {
      cwd: join(import.meta.dir, '..'),
      env: { ...process.env, TWITTER_CONSUMER_SECRET: 'cli-secret' },
      stdout: 'pipe',
      stderr: 'pipe',
    },
  )
  expect(await proc.exited).toBe(0)
  expect(await new Response(proc.stdout).text()).toContain('wrote 4 signed tweet requests')
  const parsed = readVegetaJson(readFileSync(join(out, 'targets.json'), 'utf8'))
  expect(parsed).toHaveLength(4)
  for (const t of parsed) {
    expect(JSON.parse(t.body).tweet_create_events).toHaveLength(1)
    expect(
      await verifyWebhookSignature('cli-secret', t.body, t.headers['x-twitter-webhooks-signature']),
    ).toBe(true)
  }
})

test('the CLI explains a bad --kind', async () => {
  const proc = Bun.spawn(['bun', 'src/targets-cli.ts', '--kind', 'retweet'], {
    cwd: join(import.meta.dir, '..'),
    stdout: 'pipe',
    stderr: 'pipe',
  })
  expect(await proc.exited).toBe(2)
  expect(await new Response(proc.stderr).text()).toContain('--kind must be dm, tweet or mix')
})

test('the CLI names a bad variable and exits 2 (no stack trace)', async () => {
  const proc = Bun.spawn(['bun', 'src/targets-cli.ts', '--count', '1', '--out', join(dir, 'bad')], {
    cwd: join(import.meta.dir, '..'),
    env: { ...process.env, LOAD_TEST_MEDIA_URL: 'ftp://media.example' },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  expect(await proc.exited).toBe(2)
  const err = await new Response(proc.stderr).text()
  expect(err).toContain('LOAD_TEST_MEDIA_URL: must be an http(s) URL')
  expect(err).not.toContain('ConfigError')
})
