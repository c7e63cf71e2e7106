import { afterAll, describe, expect, test } from 'bun:test'
import { testRedisUrl } from '@tweetbot/testing'
import { fixtureText } from './fixtures/index.ts'
import { parseJob, startHarness } from './helpers.ts'

const RUNS = 5_000
const h = startHarness({ redisUrl: testRedisUrl(), maxBodyBytes: 256 * 1024 })
afterAll(() => h.close())

/** mulberry32: a seeded PRNG, so a failing body can be reproduced from the seed. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const rand = prng(20260728)
const int = (n: number) => Math.floor(rand() * n)
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T

const FIXTURES = [
  'aaa/dm-photo',
  'aaa/mention-photo',
  'aaa/mention-extended',
  'aaa/mixed',
  'aaa/retweet-of-mention',
  'xaa/dm-received-photo',
  'xaa/post-mention-photo',
  'xaa/post-reply',
].map(fixtureText)

const WEIRD_STRINGS = [
  '',
  ' ',
  '\u0000',
  '💥🐈‍⬛',
  'ﷺ\u202e\u200d',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '\ud800',
  '1'.repeat(400),
  '-1',
  '4337869213',
  '../../etc/passwd',
  '{"nested":"json"}',
  'x'.repeat(30_000),
]
const randomScalar = (): unknown =>
  pick([
    () => null,
    () => true,
    () => int(2) === 0,
    () => rand() * 1e308,
    () => -int(1e9),
    () => Number.MAX_SAFE_INTEGER + 2,
    () => 0.1,
    () => pick(WEIRD_STRINGS),
    () => String(int(1e12)),
  ])()
const randomValue = (depth: number): unknown => {
  if (depth <= 0 || rand() < 0.4) return randomScalar()
  if (rand() < 0.5) return Array.from({ length: int(4) }, () => randomValue(depth - 1))
  const keys = ['id', 'id_str', 'type', 'text', 'data', 'event_type', 'for_user_id', 'users']
  return Object.fromEntries(
    Array.from({ length: int(4) }, () => [pick(keys), randomValue(depth - 1)]),
  )
}

/** Replaces a random node of a parsed fixture (or deletes it). */
const mutateTree = (node: unknown, depth = 0): unknown => {
  if (typeof node !== 'object' || node === null) return randomValue(3)
  const entries = Object.entries(node)
  if (entries.length === 0) return randomValue(3)
  const [key, child] = pick(entries)
  const copy = (Array.isArray(node) ? [...node] : { ...node }) as Record<string, unknown>
  const r = rand()
  if (r < 0.15 && !Array.isArray(node)) delete copy[key]
  else if (r < 0.55 || depth > 8) copy[key] = randomValue(3)
  else copy[key] = mutateTree(child, depth + 1)
  return copy
}

const deepNesting = () => {
  const n = 1 + int(50_000)
  return pick([
    () => `${'['.repeat(n)}${']'.repeat(n)}`,
    () => `${'{"data":'.repeat(n)}1${'}'.repeat(n)}`,
    () => `{"for_user_id":"1","direct_message_events":${'['.repeat(n)}${']'.repeat(n)}}`,
  ])()
}

const textMutation = (text: string) => {
  const chars = [...text]
  for (let i = 0, n = 1 + int(5); i < n; i++) {
    const at = int(chars.length)
    const op = int(4)
    if (op === 0) chars.splice(at, 1)
    else if (op === 1) chars.splice(at, 0, pick(['"', '{', ']', ',', '\\', '9', '💥', '\u0000']))
    else if (op === 2) chars[at] = String.fromCharCode(int(0x3000))
    else chars.length = at
  }
  return chars.join('')
}

const hugeNumbers = (text: string) =>
  text.replace(/"(id|id_str|sender_id|author_id|for_user_id)":\s*"[0-9]+"/g, (_m, k) =>
    pick([`"${k}":1e999`, `"${k}":${'9'.repeat(400)}`, `"${k}":-0`, `"${k}":"${'9'.repeat(40)}"`]),
  )

/** New 19-digit event ids, so mutated copies are queued as new events rather than duplicates. */
const freshIds = (text: string) =>
  text.replace(/"([0-9]{15,19})"/g, () => `"${String(1e18 + int(8e18)).slice(0, 19)}"`)

const randomBytes = () => Uint8Array.from({ length: int(2048) }, () => int(256))

const generate = (): string | Uint8Array => {
  const kind = int(10)
  if (kind === 0) return randomBytes()
  if (kind === 1) return JSON.stringify(randomValue(6)) ?? 'null'
  if (kind === 2) return deepNesting()
  if (kind === 3) return hugeNumbers(pick(FIXTURES))
  if (kind <= 5) return textMutation(freshIds(pick(FIXTURES)))
  return JSON.stringify(mutateTree(JSON.parse(freshIds(pick(FIXTURES)))))
}

describe('fuzz', () => {
  test(`${RUNS} random and mutated bodies with valid signatures`, async () => {
    const statuses = new Map<number, number>()
    const escaped: unknown[] = []
    for (let i = 0; i < RUNS; i++) {
      const body = generate()
      try {
        const res = await h.post(body)
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
        await res.arrayBuffer()
      } catch (err) {
        escaped.push(err)
      }
    }
    expect(escaped).toEqual([])
    // Redis is up throughout: a 503 here would be an enqueue that failed on a fuzzed job.
    const serverErrors = [...statuses.keys()].filter((s) => s >= 500)
    expect(serverErrors).toEqual([])
    // The run must exercise both sides: accepted deliveries and refused ones.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(100)
    expect(statuses.get(400) ?? 0).toBeGreaterThan(100)
    expect(h.logs.filter((l) => l.includes('unhandled error'))).toEqual([])

    const jobs = [...(await h.jobs('chat')), ...(await h.jobs('tweet'))]
    expect(jobs.length).toBeGreaterThan(100)
    for (const env of jobs) {
      const job = parseJob(env)
      expect(job.eventId).toMatch(/^[0-9]{1,25}$/)
      expect(job.botId).toMatch(/^[0-9]{1,25}$/)
      expect(job.eventId).toBe(env.eventId)
      expect(job.kind).toBe(env.queue === 'chat' ? 'dm' : 'mention')
      // The bot never answers itself.
      const from = job.kind === 'dm' ? job.sender.id : job.author.id
      expect(from).not.toBe(job.botId)
    }
  }, 120_000)
})
