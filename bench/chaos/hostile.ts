import { connect, type Socket } from 'node:net'

/**
 * Unauthenticated abuse of the master over raw TCP, the way the security review did it:
 * - `stalled`: connections that declare a large body, send all of it but the last byte, and
 *   wait; each one the master answers or drops is opened again after `reopenMs`, so `stalled`
 *   of them are held all the time;
 * - `aborted`: a declared body, a few bytes of it, then the connection is dropped;
 * - `oversized`: a declared Content-Length far past the limit, and a chunked body that runs past
 *   it (the two ways a body can be too large).
 */
export const HOSTILE_KINDS = [
  'stalled',
  'aborted',
  'oversized-declared',
  'oversized-chunked',
] as const
export type HostileKind = (typeof HOSTILE_KINDS)[number]

export interface HostileOptions {
  port: number
  /** Stalled bodies held at once. */
  stalled: number
  /** What each stalled body declares (it sends one byte less). */
  declaredBytes: number
  /** Wait before a stalled connection the master ended is opened again. */
  reopenMs: number
  /** Aborted reads per second. */
  abortedPerSec: number
  /** Oversized requests per second (declared and chunked in turn). */
  oversizedPerSec: number
  /** The master's WEBHOOK_MAX_BODY_BYTES. */
  maxBodyBytes: number
}

export interface HostileLoad {
  /** What came back per kind: a status code, or `none` when the connection ended without one. */
  answers: Record<HostileKind, Map<string, number>>
  opened: Record<HostileKind, number>
  stop(): Promise<void>
}

const HEAD = (extra: string) =>
  'POST /webhook HTTP/1.1\r\nhost: master\r\ncontent-type: application/json\r\n' +
  `x-twitter-webhooks-signature: sha256=${'A'.repeat(43)}=\r\n${extra}\r\n`

export const startHostileLoad = (opts: HostileOptions): HostileLoad => {
  const answers = Object.fromEntries(
    HOSTILE_KINDS.map((k) => [k, new Map()]),
  ) as HostileLoad['answers']
  const opened = Object.fromEntries(HOSTILE_KINDS.map((k) => [k, 0])) as HostileLoad['opened']
  const sockets = new Set<Socket>()
  const timers = new Set<ReturnType<typeof setTimeout>>()
  let stopped = false

  /** Opens one connection; records its status (or `none`) once, when it ends. */
  const open = (kind: HostileKind, onEnd?: () => void) => {
    opened[kind]++
    const socket = connect(opts.port, '127.0.0.1')
    sockets.add(socket)
    let text = ''
    let recorded = false
    const record = () => {
      if (recorded) return
      recorded = true
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 'none'
      answers[kind].set(status, (answers[kind].get(status) ?? 0) + 1)
    }
    socket.on('data', (d) => {
      text += d.toString('latin1')
      if (/^HTTP\/1\.1 \d{3}/.test(text)) {
        record()
        socket.destroy()
      }
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      sockets.delete(socket)
      if (!stopped) record()
      onEnd?.()
    })
    return socket
  }

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t)
      if (!stopped) fn()
    }, ms)
    timers.add(t)
  }

  const stalledBody = new Uint8Array(opts.declaredBytes - 1).fill(0x20)
  const openStalled = () => {
    const s = open('stalled', () => later(opts.reopenMs, openStalled))
    s.write(HEAD(`content-length: ${opts.declaredBytes}\r\n`))
    s.write(stalledBody)
  }
  for (let i = 0; i < opts.stalled; i++) openStalled()

  const abortOne = () => {
    const s = open('aborted')
    s.write(HEAD('content-length: 4096\r\n'))
    s.write('{"for_user_id":"1","direct_')
    // Nobody is left to read an answer: the master counts these as 499 in its metrics.
    later(100, () => s.destroy())
  }
  const chunk = new Uint8Array(64 * 1024).fill(0x20)
  let oversizedTurn = 0
  const oversizeOne = () => {
    if (oversizedTurn++ % 2 === 0) {
      const s = open('oversized-declared')
      s.write(HEAD(`content-length: ${4 * opts.maxBodyBytes}\r\n`))
      return
    }
    const s = open('oversized-chunked')
    s.write(HEAD('transfer-encoding: chunked\r\n'))
    let sent = 0
    const more = () => {
      if (s.destroyed || sent > opts.maxBodyBytes + 2 * chunk.length) return
      s.write(`${chunk.length.toString(16)}\r\n`)
      s.write(chunk)
      s.write('\r\n')
      sent += chunk.length
      later(5, more)
    }
    more()
  }
  const every = (perSec: number, fn: () => void) =>
    perSec > 0 ? setInterval(() => !stopped && fn(), 1000 / perSec) : undefined
  const intervals = [every(opts.abortedPerSec, abortOne), every(opts.oversizedPerSec, oversizeOne)]

  return {
    answers,
    opened,
    stop: async () => {
      stopped = true
      for (const i of intervals) if (i) clearInterval(i)
      for (const t of timers) clearTimeout(t)
      for (const s of sockets) s.destroy()
      await Bun.sleep(100)
    },
  }
}
