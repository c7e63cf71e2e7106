// `bun run bench:master-stalled [--root DIR] [--connections 300] [--declared 1048576] [--seconds 8]
//   [--max-body BYTES]`
// The security review's memory attack on the master: N connections that each declare a body
// of `declared` bytes, send all but its last byte, and stall. Starts its own redis-server and
// `bun <root>/master/src/main.ts` (defaults otherwise), then prints the master's RSS before,
// its peak (sampled every 100 ms, and the kernel's VmHWM) and how the connections were answered.
// `--root` runs another checkout (e.g. `git archive <commit>` of an older master) the same way.
import { connect, type Socket } from 'node:net'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { signWebhookBody } from '@tweetbot/common/webhook-signature'
import { freePort, startRedisServer } from '@tweetbot/testing'
import { memoryMiB } from './proc-status.ts'

const { values: args } = parseArgs({
  options: {
    root: { type: 'string', default: resolve(import.meta.dir, '..') },
    connections: { type: 'string', default: '300' },
    declared: { type: 'string', default: String(1024 * 1024) },
    seconds: { type: 'string', default: '8' },
    /** WEBHOOK_MAX_BODY_BYTES for the master (its own default when absent). */
    'max-body': { type: 'string' },
  },
})
const N = Number(args.connections)
const DECLARED = Number(args.declared)
const SECRET = 'stalled-bench-secret'

const redis = await startRedisServer({ appendonly: false })
const port = await freePort()
const master = Bun.spawn([process.execPath, join(args.root, 'master/src/main.ts')], {
  cwd: args.root,
  env: {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    PORT: String(port),
    METRICS_PORT: String(await freePort()),
    REDIS_URL: redis.url,
    TWITTER_CONSUMER_SECRET: SECRET,
    ...(args['max-body'] ? { WEBHOOK_MAX_BODY_BYTES: args['max-body'] } : {}),
  },
  stdout: 'ignore',
  stderr: 'ignore',
})
const base = `http://127.0.0.1:${port}`
try {
  for (let i = 0; ; i++) {
    if (
      await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break
    if (i > 100) throw new Error('the master did not start')
    await Bun.sleep(100)
  }
  // One good delivery first, so the baseline includes a warm process and its Redis connection.
  const good = JSON.stringify({
    for_user_id: '1',
    direct_message_events: [
      {
        type: 'message_create',
        id: '1',
        created_timestamp: String(Date.now()),
        message_create: {
          sender_id: '2',
          target: { recipient_id: '1' },
          message_data: { text: 'hi' },
        },
      },
    ],
  })
  const post = () =>
    fetch(`${base}/webhook`, {
      method: 'POST',
      body: good,
      headers: { 'content-type': 'application/json' },
    }).then(async (r) => r.status)
  const sign = await signWebhookBody(SECRET, good)
  await fetch(`${base}/webhook`, {
    method: 'POST',
    body: good,
    headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': sign },
  })
  const before = memoryMiB(master.pid)
  const statuses = new Map<string, number>()
  const sockets: Socket[] = []
  const head =
    'POST /webhook HTTP/1.1\r\nhost: master\r\ncontent-type: application/json\r\n' +
    `x-twitter-webhooks-signature: sha256=${'A'.repeat(43)}=\r\ncontent-length: ${DECLARED}\r\n\r\n`
  const body = new Uint8Array(DECLARED - 1).fill(0x20)
  for (let i = 0; i < N; i++) {
    const s = connect(port, '127.0.0.1')
    let seen = false
    s.on('data', (d) => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(d.toString('latin1'))?.[1]
      if (status && !seen) {
        seen = true
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
      }
    })
    s.on('error', () => {})
    s.write(head)
    s.write(body)
    sockets.push(s)
  }
  let peak = before.rss
  const end = Date.now() + Number(args.seconds) * 1000
  let unsignedDuring: number | undefined
  while (Date.now() < end) {
    peak = Math.max(peak, memoryMiB(master.pid).rss)
    // A small request during the attack (unsigned: 401 means it was read and judged).
    if (unsignedDuring === undefined && Date.now() > end - Number(args.seconds) * 500)
      unsignedDuring = await Promise.race([post(), Bun.sleep(3_000).then(() => -1)])
    await Bun.sleep(100)
  }
  const after = memoryMiB(master.pid)
  for (const s of sockets) s.destroy()
  console.info(
    JSON.stringify({
      root: args.root,
      connections: N,
      declaredBytes: DECLARED,
      rssBeforeMiB: Number(before.rss.toFixed(1)),
      rssPeakMiB: Number(Math.max(peak, after.rss).toFixed(1)),
      vmHwmMiB: Number(after.hwm.toFixed(1)),
      answered: Object.fromEntries(statuses),
      smallRequestDuringAttack: unsignedDuring === -1 ? 'no answer within 3 s' : unsignedDuring,
    }),
  )
} finally {
  master.kill('SIGKILL')
  await master.exited
  await redis.destroy()
}
