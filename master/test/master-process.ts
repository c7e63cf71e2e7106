import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { queueKeys } from '@tweetbot/common/queue'
import { freePort, waitFor } from '@tweetbot/testing'

const MAIN = join(import.meta.dir, '../src/main.ts')

export interface MasterProcess {
  proc: ReturnType<typeof Bun.spawn>
  /** `http://127.0.0.1:<PORT>`: the webhook and the probes. */
  base: string
  port: number
  /** `http://127.0.0.1:<METRICS_PORT>` */
  metricsBase: string
  /** The process's resident memory now, MiB (Linux /proc). */
  rssMiB(): number
  /** Everything it wrote so far, stdout then stderr (read continuously, so it never blocks). */
  output(): string
}

const collect = (stream: ReadableStream<Uint8Array>, into: string[]) =>
  (async () => {
    const decoder = new TextDecoder()
    const reader = stream.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      into.push(decoder.decode(value, { stream: true }))
    }
  })()

/** Spawns `bun master/src/main.ts` with only `env` (plus PATH/HOME), on free ports. */
export const spawnMaster = (env: Record<string, string>) =>
  Bun.spawn([process.execPath, MAIN], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })

export const rssMiB = (pid: number): number => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1]
  if (!kb) throw new Error(`no VmRSS for pid ${pid}`)
  return Number(kb) / 1024
}

/** Starts a master on free ports and waits until /healthz answers. */
export const startMasterProcess = async (env: Record<string, string>): Promise<MasterProcess> => {
  const port = await freePort()
  const metricsPort = await freePort()
  const proc = spawnMaster({ PORT: String(port), METRICS_PORT: String(metricsPort), ...env })
  const out: string[] = []
  const err: string[] = []
  void collect(proc.stdout as ReadableStream<Uint8Array>, out)
  void collect(proc.stderr as ReadableStream<Uint8Array>, err)
  const base = `http://127.0.0.1:${port}`
  await waitFor(
    `master to become healthy (${base})`,
    () =>
      fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      ),
    10_000,
  )
  return {
    proc,
    base,
    port,
    metricsBase: `http://127.0.0.1:${metricsPort}`,
    rssMiB: () => rssMiB(proc.pid),
    output: () => out.join('') + err.join(''),
  }
}

/** One raw HTTP/1.1 request on its own socket, and whatever status line comes back. */
export interface RawRequest {
  socket: Socket
  /** The status code once a response arrived (undefined until then). */
  status(): number | undefined
  /** The raw response text so far. */
  response(): string
  /** True once the connection is closed (by either side). */
  closed(): boolean
}

/**
 * Writes `head` (request line and headers, CRLF-terminated, no blank line) and `body` on a fresh
 * TCP connection and leaves it open: the way a client stalls or walks away mid-body.
 */
export const rawRequest = (port: number, head: string, body: Uint8Array | string = '') => {
  const socket = connect(port, '127.0.0.1')
  let text = ''
  socket.on('data', (d) => {
    text += d.toString('latin1')
  })
  socket.on('error', () => {})
  let closed = false
  socket.on('close', () => {
    closed = true
  })
  socket.write(`${head}\r\n`)
  if (body.length > 0) socket.write(body)
  return {
    socket,
    status: () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text)
      return m ? Number(m[1]) : undefined
    },
    response: () => text,
    closed: () => closed,
  } satisfies RawRequest
}

/** Headers of a webhook POST declaring `length` body bytes (signature well-formed, unchecked). */
export const webhookHead = (length: number, extra = '') =>
  'POST /webhook HTTP/1.1\r\nhost: master\r\ncontent-type: application/json\r\n' +
  `x-twitter-webhooks-signature: sha256=${'A'.repeat(43)}=\r\ncontent-length: ${length}\r\n${extra}`

/** The event ids waiting in a prefix's chat queue, oldest first, read straight from Redis. */
export const pendingChatIds = async (redisUrl: string, prefix: string): Promise<string[]> => {
  const redis = new Bun.RedisClient(redisUrl)
  const raw = (await redis.send('LRANGE', [
    queueKeys(prefix, 'chat').pending,
    '0',
    '-1',
  ])) as string[]
  redis.close()
  return raw.map((r) => JSON.parse(r).eventId as string)
}
