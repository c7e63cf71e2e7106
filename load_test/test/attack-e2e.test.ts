import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Stack, startStack } from '@tweetbot/testing/stack'
import { attackEnvFor } from '../src/attack-env.ts'
import { renderStackImages } from '../src/media-images.ts'
import { JOBS_TOTAL } from '../src/stack-probe.ts'
import { runAttackScript } from './run-attack-script.ts'

const out = mkdtempSync(join(tmpdir(), 'attack-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

describe('the attack end to end on loopback (autocannon, whole stack in load-testing mode)', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack({
      loadTesting: true,
      images: await renderStackImages(),
      env: { all: { LOAD_TEST_REPLY_DELAY_MS: '20' } },
    })
  }, 180_000)
  afterAll(async () => {
    await stack?.stop()
  })

  test('5/s for 3 s: every request 2xx, workers finish as many jobs as requests succeeded', async () => {
    const dir = join(out, 'e2e')
    const r = await runAttackScript(['5', '3', `${stack.services.master.url}/webhook`], {
      ...attackEnvFor(stack),
      LOAD_TEST_OUT: dir,
      DRAIN_TIMEOUT: '90',
    })
    if (r.code !== 0) console.error(r.stdout, r.stderr)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Success       [ratio]                           100.00%')
    expect(r.stdout).toContain('Status Codes  [code:count]                      200:15')
    expect(r.stdout).toMatch(/Requests succeeded \(2xx\) +15/)
    expect(r.stdout).toMatch(/Jobs finished by workers +15 {2}\(replied 15, skipped 0, dead 0/)
    expect(r.stdout).toContain('every accepted event was answered')
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))
    expect(report.status_codes).toEqual({ '200': 15 })
    expect(readFileSync(join(dir, 'plot.html'), 'utf8').match(/<circle /g)).toHaveLength(15)
    // Cross-check from the workers themselves, and that nothing reached X.
    const replied = async (name: 'worker:chat' | 'worker:tweet') =>
      (await stack.metrics(name))
        .split('\n')
        .filter((l) => l.startsWith(`${JOBS_TOTAL}{`) && l.includes('outcome="replied"'))
        .reduce((a, l) => a + Number(l.split(' ').at(-1)), 0)
    expect((await replied('worker:chat')) + (await replied('worker:tweet'))).toBe(15)
    expect(stack.x.replies()).toHaveLength(0)
    // The photos came from the local image server, never from pbs.twimg.com.
    const hits = [...stack.images.hits.values()].reduce((a, n) => a + n, 0)
    expect(hits).toBeGreaterThanOrEqual(15)
  }, 180_000)
})
