import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { jobEventSchema, jobEventsChannel } from '@tweetbot/common/job-events'
import { createRedisQueue, QUEUE_NAMES, type RedisQueue } from '@tweetbot/common/queue'
import { applyJobEvent, createSandboxApp, type SandboxTargets } from './app.ts'
import { serveSandboxX } from './fake-x.ts'
import { createMessageStore, type MessageStore } from './messages.ts'
import { createPhotoStore } from './photos.ts'
import { readStackStatus } from './status.ts'
import { sandboxWorkerEnv } from './worker-env.ts'
import { type FakeXApi, startFakeXApi } from './x-testing.ts'

export interface SandboxOptions {
  /** A loopback address (checked by the config schema; checked again here). */
  host: string
  /** The page (0: any free port). */
  port: number
  /** The fake X API, HTTPS (0: any free port). */
  xPort: number
  /** Where the fake X's certificate is written, for the workers' TWITTER_CA_FILE. */
  caFile: string
  botId: string
  /** The running bot; leave out to `connect()` later (tests start the stack after the sandbox). */
  bot?: BotEndpoints
}

/** Where the bot runs. */
export interface BotEndpoints {
  masterUrl: string
  consumerSecret: string
  workerUrls: readonly string[]
  /** tf-serving predict URL, as the workers use it. */
  predictUrl: string
  redisUrl: string
  queuePrefix: string
}

export interface Sandbox {
  /** The page, e.g. `http://127.0.0.1:8090/`. */
  url: string
  port: number
  x: FakeXApi
  store: MessageStore
  /** What the workers need to reply to this sandbox and download its photos. */
  workerEnv: Record<string, string>
  connect(bot: BotEndpoints): Promise<void>
  stop(): Promise<void>
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|localhost)$/i

/** Starts the fake X API and the page; the bot is attached now (`bot`) or later (`connect`). */
export const startSandbox = async (opts: SandboxOptions): Promise<Sandbox> => {
  const host = opts.host
  if (!LOOPBACK.test(host))
    throw new Error(
      `sandbox: refusing to bind ${host}: it has no login and signs deliveries with the master's secret, so it only listens on loopback (127.x.x.x or localhost)`,
    )
  const store = createMessageStore()
  const photos = createPhotoStore()
  const x = await startFakeXApi({ port: opts.xPort, bot: { id: opts.botId, username: 'imagebot' } })
  mkdirSync(dirname(opts.caFile), { recursive: true })
  writeFileSync(opts.caFile, x.caCert)

  let targets: SandboxTargets | undefined
  let queue: RedisQueue | undefined
  let subscriber: Bun.RedisClient | undefined
  let base = ''
  /** A photo's URL as the workers download it (`base` is known once the server listens). */
  const photoUrl = (path: string) => `${base}${path}`
  const app = createSandboxApp({
    botId: opts.botId,
    store,
    photos,
    photoUrl,
    xUrl: x.url,
    targets: () => targets,
  })
  const server = Bun.serve({ hostname: host, port: opts.port, fetch: app.fetch, idleTimeout: 0 })
  base = `http://${host}:${server.port}`
  serveSandboxX(x, store, (m) => m.photo && photoUrl(m.photo.path))

  const connect = async (bot: BotEndpoints) => {
    queue = createRedisQueue({ url: bot.redisUrl, prefix: bot.queuePrefix })
    subscriber = new Bun.RedisClient(bot.redisUrl)
    const channels = QUEUE_NAMES.map((q) => jobEventsChannel(bot.queuePrefix, q))
    await subscriber.subscribe(channels, (raw) => {
      let parsed: ReturnType<typeof jobEventSchema.safeParse>
      try {
        parsed = jobEventSchema.safeParse(JSON.parse(raw))
      } catch {
        return
      }
      if (parsed.success) applyJobEvent(store, parsed.data)
    })
    const q = queue
    targets = {
      webhookUrl: `${bot.masterUrl.replace(/\/$/, '')}/webhook`,
      consumerSecret: bot.consumerSecret,
      status: () =>
        readStackStatus({
          queueStats: () => q.stats(),
          workerUrls: bot.workerUrls,
          predictUrl: bot.predictUrl,
        }),
    }
  }
  if (opts.bot) await connect(opts.bot)

  return {
    url: `${base}/`,
    port: server.port as number,
    x,
    store,
    workerEnv: sandboxWorkerEnv({
      xUrl: x.url,
      caFile: opts.caFile,
      mediaHost: `${host}:${server.port}`,
    }),
    connect,
    stop: async () => {
      await server.stop(true)
      subscriber?.close()
      await queue?.close()
      await x.stop()
    },
  }
}
