// Hot reload in the real server process: a version folder copied in while requests run becomes
// live without a failed request; removing it brings the previous version back, again without one.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test'
import { copyFile, cp, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor } from '@tweetbot/testing'
import { writeToyModel } from './support/models.ts'
import { type ServerProcess, spawnServer } from './support/server.ts'

// Real servers and models under a shared 2-core machine: generous, not a speed assertion.
setDefaultTimeout(60_000)

let root: string
let server: ServerProcess

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tfs-reload-'))
  await writeToyModel(join(root, 'toy/1'), 1)
  await writeToyModel(join(root, 'staging/2'), 10)
  await writeToyModel(join(root, 'staging/3'), 100)
  server = await spawnServer([
    '--model_name=toy',
    `--model_base_path=${join(root, 'toy')}`,
    '--file_system_poll_wait_seconds=1',
    // The worker-kill test below kills a child process.
    '--inference_worker_mode=process',
  ])
})

afterAll(async () => {
  await server?.stop()
  await rm(root, { recursive: true, force: true })
})

/** Sends requests from `n` loops until stopped; records every status and the first output. */
const load = (n: number) => {
  let stop = false
  const seen: { status: number; y0: number }[] = []
  const loops = Array.from({ length: n }, async () => {
    while (!stop) {
      const res = await fetch(`${server.url}/v1/models/toy:predict`, {
        method: 'POST',
        body: JSON.stringify({ signature_name: 'y_only', instances: [[1, 0, 0]] }),
      })
      const body = (await res.json()) as { predictions?: number[][] }
      seen.push({ status: res.status, y0: body.predictions?.[0]?.[0] ?? Number.NaN })
    }
  })
  return {
    seen,
    until: (what: string, pred: () => boolean) => waitFor(what, pred, 30_000),
    stop: async () => {
      stop = true
      await Promise.all(loops)
    },
  }
}

test('a new version goes live under load, then the old one is retired; no request fails', async () => {
  const traffic = load(3)
  await Bun.sleep(300)
  await cp(join(root, 'staging/2'), join(root, 'toy/2'), { recursive: true })
  await traffic.until('version 2 answering', () => traffic.seen.at(-1)?.y0 === 10.5)
  await Bun.sleep(300)
  await traffic.stop()
  expect(traffic.seen.filter((s) => s.status !== 200)).toEqual([])
  expect(traffic.seen[0]?.y0).toBe(1.5)
  expect(traffic.seen.at(-1)?.y0).toBe(10.5)
  const status = await (await fetch(`${server.url}/v1/models/toy`)).json()
  expect(status).toEqual({
    model_version_status: [
      { version: '2', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
      { version: '1', state: 'END', status: { error_code: 'OK', error_message: '' } },
    ],
  })
})

test('removing the newest version folder falls back to the previous one; no request fails', async () => {
  const traffic = load(2)
  await Bun.sleep(200)
  await rm(join(root, 'toy/2'), { recursive: true, force: true })
  await traffic.until('version 1 answering again', () => traffic.seen.at(-1)?.y0 === 1.5)
  await traffic.stop()
  // Between the folder vanishing and v1 being back, v2 keeps answering.
  expect(traffic.seen.filter((s) => s.status !== 200)).toEqual([])
  expect(traffic.seen.at(-1)?.y0).toBe(1.5)
  const v2 = await (await fetch(`${server.url}/v1/models/toy/versions/2`)).json()
  expect(v2).toEqual({
    model_version_status: [
      { version: '2', state: 'END', status: { error_code: 'OK', error_message: '' } },
    ],
  })
})

test('a half-copied version is reported END with its error, then loads once its files are complete', async () => {
  await mkdir(join(root, 'toy/3'))
  await copyFile(join(root, 'staging/3/model.json'), join(root, 'toy/3/model.json'))
  const v3 = async () =>
    (
      (await (await fetch(`${server.url}/v1/models/toy/versions/3`)).json()) as {
        model_version_status?: {
          state: string
          status: { error_code: string; error_message: string }
        }[]
      }
    ).model_version_status?.[0]
  await waitFor('version 3 to fail its load', async () => (await v3())?.state === 'END')
  const failed = await v3()
  expect(failed?.state).toBe('END')
  expect(failed?.status.error_code).toBe('UNKNOWN')
  expect(failed?.status.error_message).toContain('weights.bin')
  const traffic = load(2)
  await copyFile(join(root, 'staging/3/weights.bin'), join(root, 'toy/3/weights.bin'))
  await traffic.until('version 3 answering', () => traffic.seen.at(-1)?.y0 === 100.5)
  await traffic.stop()
  expect(traffic.seen.filter((s) => s.status !== 200)).toEqual([])
  expect(traffic.seen[0]?.y0).toBe(1.5)
  expect((await v3())?.state).toBe('AVAILABLE')
})

test('an inference worker killed from outside is replaced and reloaded; the server keeps answering', async () => {
  const children = () =>
    Bun.spawnSync(['pgrep', '-P', String(server.proc.pid)])
      .stdout.toString()
      .split('\n')
      .filter(Boolean)
      .map(Number)
  const [worker] = children()
  expect(worker).toBeGreaterThan(0)
  process.kill(worker as number, 'SIGKILL')
  const statuses: number[] = []
  const deadline = Date.now() + 30_000
  for (;;) {
    const res = await fetch(`${server.url}/v1/models/toy:predict`, {
      method: 'POST',
      body: JSON.stringify({ signature_name: 'y_only', instances: [[1, 0, 0]] }),
    })
    statuses.push(res.status)
    const body = (await res.json()) as { predictions?: number[][]; error?: string }
    if (res.status === 200) {
      expect(body.predictions?.[0]?.[0]).toBe(100.5)
      break
    }
    // Requests caught by the dying worker, or sent before its replacement is ready, get a 503.
    expect(res.status).toBe(503)
    if (Date.now() > deadline) throw new Error(`no recovery: ${JSON.stringify(body)}`)
    await Bun.sleep(100)
  }
  expect(children()).not.toContain(worker as number)
  expect(children()).toHaveLength(1)
})
