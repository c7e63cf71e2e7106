// `bun run bench:master-stalled [--root DIR] [--connections 300] [--declared 1048576] [--seconds 8]
//   [--max-body BYTES]`
// The security review's memory attack on the master: N connections that each declare a body
// of `declared` bytes, send all but its last byte, and stall. Starts its own redis-server and
// `bun <root>/master/src/main.ts` (defaults otherwise), then prints the master's RSS before,
// its peak (sampled every 100 ms, and the kernel's VmHWM) and how the connections were answered.
// `--root` runs another checkout (e.g. `git archive <commit>` of an older master) the same way.
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { signWebhookBody } from '@tweetbot/common/webhook-signature'
import { freePort, startRedisServer, waitFor } from '@tweetbot/testing'
import { startHostileLoad } from './chaos/hostile.ts'
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
  await waitFor(
    'the master to start',
    () =>
      fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      ),
    10_000,
  )
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
  // Only stalled bodies, each opened once (a connection the master ends is not opened again).
  const load = startHostileLoad({
    port,
    stalled: N,
    declaredBytes: DECLARED,
    reopenMs: 2 * Number(args.seconds) * 1000,
    abortedPerSec: 0,
    oversizedPerSec: 0,
    maxBodyBytes: DECLARED,
  })
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
  await load.stop()
  console.info(
    JSON.stringify({
      root: args.root,
      connections: N,
      declaredBytes: DECLARED,
      rssBeforeMiB: Number(before.rss.toFixed(1)),
      rssPeakMiB: Number(Math.max(peak, after.rss).toFixed(1)),
      vmHwmMiB: Number(after.hwm.toFixed(1)),
      answered: Object.fromEntries(load.answers.stalled),
      smallRequestDuringAttack: unsignedDuring === -1 ? 'no answer within 3 s' : unsignedDuring,
    }),
  )
} finally {
  master.kill('SIGKILL')
  await master.exited
  await redis.destroy()
}
