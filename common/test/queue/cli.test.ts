import { afterAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { freePort, runProcess, testRedisUrl, uniquePrefix } from '@tweetbot/testing'
import { createRedisQueue } from '../../src/queue/index.ts'

const CLI = join(import.meta.dir, '..', '..', 'src', 'queue', 'cli.ts')
const prefix = uniquePrefix('cli')
const q = createRedisQueue({ url: testRedisUrl(), prefix, maxAttempts: 1 })
afterAll(() => q.close())

const cli = (args: string[], env: Record<string, string> = {}) =>
  runProcess([process.execPath, CLI, ...args], {
    env: { ...process.env, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix, ...env },
  })

describe('queue CLI', () => {
  test('stats, dead, replay and purge', async () => {
    for (let i = 0; i < 3; i++) await q.enqueue('tweet', `t${i}`, i)
    await q.enqueue('chat', 'c0', 0)
    for (let i = 0; i < 2; i++) {
      const r = await q.reserve('tweet', 'cli-test', 1)
      await q.fail(r!, new Error(`X answered 500 (${i})`))
    }

    const stats = await cli(['stats'])
    expect(stats.code).toBe(0)
    const lines = stats.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^queue\s+pending\s+processing\s+delayed\s+dead\s+consumers$/)
    expect(lines[1]?.split(/\s+/)).toEqual(['chat', '1', '0', '0', '0', '0'])
    expect(lines[2]?.split(/\s+/)).toEqual(['tweet', '1', '0', '0', '2', '1'])

    const json = await cli(['stats', 'tweet', '--json'])
    expect(JSON.parse(json.stdout)).toEqual({
      tweet: { pending: 1, processing: 0, delayed: 0, dead: 2, consumers: 1 },
    })

    const dead = await cli(['dead', 'tweet'])
    expect(dead.code).toBe(0)
    expect(dead.stdout).toContain('tweet: 2 shown, newest first')
    expect(dead.stdout).toContain('event t1')
    expect(dead.stdout).toContain('Error: X answered 500 (1)')
    expect(dead.stdout).toContain('attempts 1')

    const replay = await cli(['replay', 'tweet', '1'])
    expect(replay.stdout.trim()).toBe('tweet: replayed 1 dead job to pending')
    expect((await q.stats()).tweet).toMatchObject({ pending: 2, dead: 1 })

    const purge = await cli(['purge', 'tweet'])
    expect(purge.stdout.trim()).toBe('tweet: purged 1 dead job')
    const purgePending = await cli(['purge', 'tweet', 'pending'])
    expect(purgePending.stdout.trim()).toBe('tweet: purged 2 pending jobs')
    expect((await q.stats()).tweet).toMatchObject({ pending: 0, dead: 0 })
  })

  test('usage errors exit 2 and say what is wrong', async () => {
    const none = await cli([])
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('missing command')
    expect(none.stderr).toContain('usage: bun run queue')
    const cases: [string[], string][] = [
      [['frobnicate'], "unknown command 'frobnicate'"],
      [['stats', 'dm'], "unknown queue 'dm'"],
      [['purge'], 'a queue is required'],
      [['purge', 'chat', 'processing'], "cannot purge 'processing'"],
      [['replay', 'chat', 'lots'], "N must be a whole number >= 1, got 'lots'"],
      [['stats', '--verbose'], 'unknown option --verbose'],
    ]
    for (const [args, message] of cases) {
      const res = await cli(args)
      expect(res.code).toBe(2)
      expect(res.stderr).toContain(message)
    }
    const help = await cli(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('usage: bun run queue')
  })

  test('bad config and unreachable Redis exit non-zero with a clear line, no password', async () => {
    const bad = await cli(['stats'], { REDIS_URL: 'localhost:6379' })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('REDIS_URL: must start with redis:// or rediss://')
    const down = await cli(['stats'], {
      REDIS_URL: `redis://user:hunter2@127.0.0.1:${await freePort()}`,
    })
    expect(down.code).toBe(1)
    expect(down.stderr).toContain('cannot reach Redis at redis://user:***@127.0.0.1')
    expect(down.stderr).not.toContain('hunter2')
  })
})
