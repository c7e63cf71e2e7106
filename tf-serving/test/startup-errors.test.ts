import { expect, test } from 'bun:test'
import { resolve } from 'node:path'

const MAIN = resolve(import.meta.dir, '../src/main.ts')

const run = async (args: string[], env: Record<string, string>) => {
  const proc = Bun.spawn(['bun', MAIN, ...args], {
    env: { ...process.env, ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()])
  return { code, stderr }
}

test('a bad variable stops tf-serving with exit 2 and a message naming it (no stack trace)', async () => {
  const { code, stderr } = await run([], { PORT: 'not-a-port', TF_SERVING_WORKERS: 'zero' })
  expect(code).toBe(2)
  expect(stderr).toContain('PORT: must be a port number')
  expect(stderr).toContain('TF_SERVING_WORKERS')
  expect(stderr).not.toContain('not-a-port')
  expect(stderr).not.toMatch(/\n\s+at /)
})

test('an unknown flag stops tf-serving with exit 2 and says which', async () => {
  const { code, stderr } = await run(['--no_such_flag=1'], {})
  expect(code).toBe(2)
  expect(stderr.trim()).toBe('tf-serving: unknown flag --no_such_flag')
})
