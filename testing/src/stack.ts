/**
 * The whole bot on loopback, as real processes: redis-server, tf-serving with a model folder,
 * the master, the chat and tweet workers; plus, in this process, a local image server and the
 * fake X API (HTTPS). For end-to-end tests, `bench/e2e.ts` and the chaos suite (kill, restart).
 *
 * @example
 * const stack = await startStack({ images: { '/cat.jpg': { body, contentType: 'image/jpeg' } } })
 * await stack.postDelivery(dmDelivery({ botId: stack.botId, senderId: '42', mediaUrl: stack.imageUrl('/cat.jpg') }))
 * const [reply] = await stack.x.waitForReplies(1)
 * await stack.kill('worker:chat')      // SIGKILL
 * await stack.restart('worker:chat')   // same port, env and WORKER_ID; waits for /readyz
 * await stack.stop()
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { bunBinDir } from './bun-bin.ts'
import { type FakeXApi, type FakeXMedia, startFakeXApi } from './fake-x-api.ts'
import { type ImageServer, startImageServer } from './image-server.ts'
import { uniquePrefix } from './index.ts'
import { postSignedDelivery } from './post-delivery.ts'
import { freePort, type RedisServerHandle, startRedisServer } from './redis-server.ts'

export type ServiceName = 'tf-serving' | 'master' | 'worker:chat' | 'worker:tweet'
export const ALL_SERVICES: readonly ServiceName[] = [
  'tf-serving',
  'master',
  'worker:chat',
  'worker:tweet',
]

export interface StackOptions {
  /** Repository root (default: found from this file). */
  root?: string
  /** Model base path served as model `default` (default `<root>/models/default`). */
  modelDir?: string
  /** Which services to start (default all four). Redis, images and fake X always start. */
  services?: readonly ServiceName[]
  /** FLT_LOAD_TESTING_MODE for the workers: no X calls, replies counted after a delay. */
  loadTesting?: boolean
  /** Extra environment, for every service (`all`) or one. */
  env?: Partial<Record<ServiceName | 'all', Record<string, string>>>
  /** Extra arguments for tf-serving (e.g. `--enable_batching`). */
  tfServingArgs?: string[]
  /** Files the local image server serves by path (http, allow-listed for the workers). */
  images?: Record<string, FakeXMedia>
  consumerSecret?: string
  /** The bot's account id (`for_user_id`). */
  botId?: string
  /** Where each service's stdout+stderr goes as `<name>.log` (default: a temp dir). */
  logDir?: string
  /** Redis key prefix (default: unique per stack). */
  prefix?: string
  /** How long each service may take to answer /readyz (default 90 s; tf-serving loads a model). */
  readyTimeoutMs?: number
  /** How workers reach tf-serving: REST (default) or gRPC (`grpc://…/default`). */
  transport?: 'rest' | 'grpc'
}

export interface ServiceHandle {
  name: ServiceName
  port: number
  /** `http://127.0.0.1:<port>` */
  url: string
  /** Where its `/metrics` answers: METRICS_PORT for the master and workers, `url` for tf-serving. */
  metricsUrl: string
  logFile: string
  readonly pid: number | undefined
  readonly running: boolean
  /** Everything the service wrote so far (all its runs). */
  logs(): string
}

export interface Stack {
  root: string
  prefix: string
  botId: string
  consumerSecret: string
  redis: RedisServerHandle
  x: FakeXApi
  images: ImageServer
  services: Record<ServiceName, ServiceHandle>
  /** `http://127.0.0.1:<tf-serving port>/v1/models/default:predict` */
  predictUrl: string
  /** `grpc://127.0.0.1:<tf-serving gRPC port>/default` */
  grpcUrl: string
  logDir: string
  /** `http://127.0.0.1:<image port><path>` */
  imageUrl(path: string): string
  /** POSTs a delivery to the master's /webhook with a valid signature (or the given one). */
  postDelivery(body: unknown, opts?: { signature?: string }): Promise<Response>
  /** Sends `signal` (default SIGKILL) to a service and waits for it to exit. */
  kill(name: ServiceName, signal?: NodeJS.Signals): Promise<number | null>
  /** Starts a stopped or killed service again (same port, env, WORKER_ID) and waits until ready. */
  restart(name: ServiceName): Promise<void>
  /**
   * Starts a service that is not running (e.g. one left out of `services`), optionally without
   * waiting for /readyz (to watch a worker wait for tf-serving).
   */
  start(name: ServiceName, opts?: { waitReady?: boolean }): Promise<void>
  /** Resolves when the service answers /readyz with 200. */
  waitReady(name: ServiceName, timeoutMs?: number): Promise<void>
  /** A service's /metrics text. */
  metrics(name: ServiceName): Promise<string>
  /** Stops every service (SIGTERM, then SIGKILL after 10 s), the servers and Redis. */
  stop(): Promise<void>
}

const ENTRY: Record<ServiceName, string[]> = {
  'tf-serving': ['tf-serving/src/main.ts'],
  master: ['master/src/main.ts'],
  'worker:chat': ['workers/src/main.ts', 'chat'],
  'worker:tweet': ['workers/src/main.ts', 'tweet'],
}

const fakeKeys = {
  TWITTER_CONSUMER_KEY: 'stack-consumer-key',
  TWITTER_ACCESS_TOKEN: 'stack-access-token',
  TWITTER_ACCESS_TOKEN_SECRET: 'stack-access-secret',
}

type Proc = ReturnType<typeof Bun.spawn>
/** Spawned and neither exited nor killed by a signal. */
const isRunning = (p: Proc | undefined): boolean =>
  p !== undefined && p.exitCode === null && p.signalCode === null

export const startStack = async (opts: StackOptions = {}): Promise<Stack> => {
  const root = opts.root ?? resolve(import.meta.dir, '../..')
  const modelDir = resolve(opts.modelDir ?? join(root, 'models/default'))
  const wanted = new Set(opts.services ?? ALL_SERVICES)
  const logDir = opts.logDir ?? mkdtempSync(join(tmpdir(), 'tweetbot-stack-'))
  mkdirSync(logDir, { recursive: true })
  const prefix = opts.prefix ?? uniquePrefix('stack')
  const botId = opts.botId ?? '4337869213'
  const consumerSecret = opts.consumerSecret ?? 'stack-consumer-secret'
  const readyTimeoutMs = opts.readyTimeoutMs ?? 90_000

  const redis = await startRedisServer()
  const x = await startFakeXApi({ bot: { id: botId, username: 'imagebot' } })
  const images = startImageServer(opts.images ?? {})
  const caFile = join(logDir, 'fake-x-ca.pem')
  writeFileSync(caFile, x.caCert)

  const ports = Object.fromEntries(
    await Promise.all(ALL_SERVICES.map(async (n) => [n, await freePort()] as const)),
  ) as Record<ServiceName, number>
  // The master and workers serve /metrics on a port of their own; tf-serving on its REST port.
  const metricsPorts = Object.fromEntries(
    await Promise.all(
      ALL_SERVICES.map(async (n) => [n, n === 'tf-serving' ? ports[n] : await freePort()] as const),
    ),
  ) as Record<ServiceName, number>
  const predictUrl = `http://127.0.0.1:${ports['tf-serving']}/v1/models/default:predict`
  const grpcPort = await freePort()
  const grpcUrl = `grpc://127.0.0.1:${grpcPort}/default`
  const labelsFile = join(modelDir, '1', 'labels.txt')
  const common = {
    REDIS_URL: redis.url,
    QUEUE_PREFIX: prefix,
    FLT_DEBUG_MODE: 'False',
    ...opts.env?.all,
  }
  const workerEnv = (name: ServiceName): Record<string, string> => ({
    ...common,
    PORT: String(ports[name]),
    METRICS_PORT: String(metricsPorts[name]),
    TF_SERVER_URL: opts.transport === 'grpc' ? grpcUrl : predictUrl,
    FLT_LOAD_TESTING_MODE: opts.loadTesting ? 'True' : 'False',
    ...fakeKeys,
    TWITTER_CONSUMER_SECRET: consumerSecret,
    TWITTER_API_BASE_URL: x.url,
    TWITTER_CA_FILE: caFile,
    MEDIA_ALLOWED_HOSTS: `127.0.0.1:${images.port}`,
    ...(existsSync(labelsFile) ? { MODEL_LABELS_FILE: labelsFile } : {}),
    // A stable id: a restarted worker takes back what its killed predecessor held at once.
    WORKER_ID: `${prefix}-${name.replace(':', '-')}`,
    ...opts.env?.[name],
  })
  const envFor: Record<ServiceName, () => Record<string, string>> = {
    'tf-serving': () => ({ ...common, ...opts.env?.['tf-serving'] }),
    master: () => ({
      ...common,
      PORT: String(ports.master),
      METRICS_PORT: String(metricsPorts.master),
      TWITTER_CONSUMER_SECRET: consumerSecret,
      ...opts.env?.master,
    }),
    'worker:chat': () => workerEnv('worker:chat'),
    'worker:tweet': () => workerEnv('worker:tweet'),
  }
  const argsFor = (name: ServiceName) =>
    name === 'tf-serving'
      ? [
          ...ENTRY[name],
          `--rest_api_port=${ports[name]}`,
          `--port=${grpcPort}`,
          '--model_name=default',
          `--model_base_path=${modelDir}`,
          ...(opts.tfServingArgs ?? []),
        ]
      : ENTRY[name]

  const procs = new Map<ServiceName, Proc>()
  const handles = {} as Record<ServiceName, ServiceHandle>
  for (const name of ALL_SERVICES) {
    const logFile = join(logDir, `${name.replace(':', '-')}.log`)
    handles[name] = {
      name,
      port: ports[name],
      url: `http://127.0.0.1:${ports[name]}`,
      metricsUrl: `http://127.0.0.1:${metricsPorts[name]}`,
      logFile,
      get pid() {
        return procs.get(name)?.pid
      },
      get running() {
        return isRunning(procs.get(name))
      },
      logs: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    }
  }

  const spawn = (name: ServiceName) => {
    const fd = openSync(handles[name].logFile, 'a')
    // Only what the service needs plus PATH/HOME: a developer's own TWITTER_* or REDIS_URL must
    // never leak into a test stack.
    const env = {
      PATH: `${bunBinDir()}:${process.env.PATH ?? ''}`,
      HOME: process.env.HOME ?? '',
      ...envFor[name](),
    }
    // The bun running us, whatever PATH says (CI may install it outside PATH).
    const proc = Bun.spawn([process.execPath, ...argsFor(name)], {
      cwd: root,
      env,
      stdout: fd,
      stderr: fd,
      stdin: 'ignore',
    })
    closeSync(fd)
    procs.set(name, proc)
  }

  const readyPath = (name: ServiceName) =>
    name === 'tf-serving' ? '/v1/models/default' : '/readyz'
  const waitReady = async (name: ServiceName, timeoutMs = readyTimeoutMs) => {
    const deadline = Date.now() + timeoutMs
    const url = handles[name].url + readyPath(name)
    while (Date.now() < deadline) {
      const proc = procs.get(name)
      if (!isRunning(proc))
        throw new Error(
          `${name} exited (${proc?.exitCode ?? proc?.signalCode}); log:\n${handles[name].logs().slice(-3000)}`,
        )
      const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
        (r) => r.ok,
        () => false,
      )
      if (ok) return
      await Bun.sleep(100)
    }
    throw new Error(
      `${name} not ready within ${timeoutMs} ms; log:\n${handles[name].logs().slice(-3000)}`,
    )
  }

  const kill = async (name: ServiceName, signal: NodeJS.Signals = 'SIGKILL') => {
    const proc = procs.get(name)
    if (!proc) return null
    proc.kill(signal)
    return proc.exited
  }

  const killAll = () => {
    for (const p of procs.values()) p.kill('SIGKILL')
  }
  process.once('exit', killAll)

  const stopAll = async () => {
    await Promise.all(
      [...procs.entries()].map(async ([, p]) => {
        if (!isRunning(p)) return
        p.kill('SIGTERM')
        const timer = setTimeout(() => p.kill('SIGKILL'), 10_000)
        await p.exited
        clearTimeout(timer)
      }),
    )
    process.off('exit', killAll)
    void images.stop()
    await x.stop()
    await redis.destroy()
  }

  try {
    // tf-serving first: workers wait for it anyway, and starting it early overlaps its load.
    for (const name of ALL_SERVICES) if (wanted.has(name)) spawn(name)
    for (const name of ALL_SERVICES) if (wanted.has(name)) await waitReady(name)
  } catch (err) {
    await stopAll()
    throw err
  }

  return {
    root,
    prefix,
    botId,
    consumerSecret,
    redis,
    x,
    images,
    services: handles,
    predictUrl,
    grpcUrl,
    logDir,
    imageUrl: (path) => `${images.url}${path}`,
    postDelivery: (body, o = {}) =>
      postSignedDelivery(
        `${handles.master.url}/webhook`,
        consumerSecret,
        typeof body === 'string' ? body : JSON.stringify(body),
        o,
      ),
    kill,
    restart: async (name) => {
      const proc = procs.get(name)
      if (proc && isRunning(proc)) {
        proc.kill('SIGTERM')
        await proc.exited
      }
      spawn(name)
      await waitReady(name)
    },
    start: async (name, o = {}) => {
      const proc = procs.get(name)
      if (isRunning(proc)) throw new Error(`${name} is already running`)
      spawn(name)
      if (o.waitReady ?? true) await waitReady(name)
    },
    waitReady,
    metrics: async (name) => (await fetch(`${handles[name].metricsUrl}/metrics`)).text(),
    stop: stopAll,
  }
}
