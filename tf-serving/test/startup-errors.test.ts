import { expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { freePort, runProcess } from '@tweetbot/testing'

const MAIN = resolve(import.meta.dir, '../src/main.ts')

const run = (args: string[], env: Record<string, string>) =>
  runProcess(['bun', MAIN, ...args], { env: { ...process.env, ...env } })

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

test('a missing or malformed config file named by a flag stops tf-serving with exit 2 and one line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfs-startup-'))
  try {
    const missing = await run([`--model_config_file=${join(dir, 'nope.config')}`], {})
    expect(missing.code).toBe(2)
    expect(missing.stderr.trim()).toBe(
      `tf-serving: --model_config_file=${join(dir, 'nope.config')}: cannot read: no such file`,
    )
    // Checked before any inference worker is spawned.
    expect(missing.stdout).not.toContain('inference workers ready')
    const bad = join(dir, 'bad.config')
    writeFileSync(bad, 'model_config_list {\n  config { name: "m" base_path: "/x" }\n  oops\n')
    const malformed = await run([`--model_config_file=${bad}`], {})
    expect(malformed.code).toBe(2)
    expect(malformed.stderr).toStartWith(`tf-serving: --model_config_file=${bad}: `)
    expect(malformed.stderr).not.toMatch(/\n\s+at /)
    const batching = join(dir, 'batching.txt')
    writeFileSync(batching, 'max_batch_size { value: 0 }\n')
    const model = join(dir, 'models.config')
    writeFileSync(model, `model_config_list { config { name: "m" base_path: "${dir}/m" } }\n`)
    const badBatching = await run(
      [
        `--model_config_file=${model}`,
        '--enable_batching',
        `--batching_parameters_file=${batching}`,
      ],
      { TF_SERVING_WORKERS: '1' },
    )
    expect(badBatching.code).toBe(2)
    expect(badBatching.stderr.trim()).toBe(
      `tf-serving: --batching_parameters_file=${batching}: batching parameters: max_batch_size must be at least 1`,
    )
    expect(badBatching.stdout).not.toContain('inference workers ready')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a gRPC port already taken stops tf-serving with exit 2 and one line naming --port', async () => {
  const taken = Bun.listen({ hostname: '0.0.0.0', port: 0, socket: { data() {} } })
  const dir = mkdtempSync(join(tmpdir(), 'tfs-startup-'))
  try {
    const { code, stderr } = await run(
      [
        `--port=${taken.port}`,
        `--rest_api_port=${await freePort()}`,
        '--model_name=m',
        `--model_base_path=${dir}`,
        '--inference_workers=1',
      ],
      {},
    )
    expect(code).toBe(2)
    // One line (after the JSON log lines): no stack trace, no bare grpc-js console output.
    const lines = stderr.trim().split('\n')
    expect(lines.at(-1)).toStartWith(`tf-serving: --port=${taken.port}: cannot listen: `)
    expect(lines.slice(0, -1).every((l) => l.startsWith('{'))).toBe(true)
    expect(stderr).not.toMatch(/\n\s+at /)
  } finally {
    taken.stop(true)
    rmSync(dir, { recursive: true, force: true })
  }
})
