// `make dev`: Redis, tf-serving, master and both workers on one machine, with prefixed coloured
// logs; Ctrl-C (or SIGTERM) stops every one of them cleanly, Redis last. Without the bot's X
// keys it also starts the sandbox (a stand-in X with a web page) and points the workers at it.
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { loadConfigOrExit, sandboxEnvSchema } from '../common/src/config/index.ts'
import { sandboxWorkerEnv } from '../sandbox/src/worker-env.ts'

interface Service {
  name: string
  cmd: string[]
  env?: Record<string, string>
  /** Wait until this URL answers before starting the next service. */
  readyUrl?: string
}

const root = resolve(import.meta.dir, '..')
const dataDir = resolve(root, '.data/redis')
mkdirSync(dataDir, { recursive: true })
const redisPort = process.env.DEV_REDIS_PORT || '6379'
const hasX = Boolean(process.env.TWITTER_CONSUMER_KEY && process.env.TWITTER_ACCESS_TOKEN)
// Without X keys the sandbox stands in for X (unless load-testing mode was asked for, which
// sends nothing anywhere: load_test/vegeta_attack.sh wants that).
const loadTestingMode = process.env.FLT_LOAD_TESTING_MODE || 'False'
const loadTesting = /^(true|1|yes)$/i.test(loadTestingMode)
const sandbox = !hasX
const mediaHosts = process.env.MEDIA_ALLOWED_HOSTS || '127.0.0.1:9100'
const env: Record<string, string> = {
  REDIS_URL: process.env.REDIS_URL || `redis://127.0.0.1:${redisPort}`,
  TWITTER_CONSUMER_SECRET: process.env.TWITTER_CONSUMER_SECRET || 'dev-consumer-secret',
  // REST by default; tf-serving also answers gRPC on 8500 (TF_SERVER_URL=grpc://127.0.0.1:8500/default).
  // Measured here, gRPC did not make the whole pipeline faster (tf-serving/README.md, bench section g).
  TF_SERVER_URL: process.env.TF_SERVER_URL || 'http://127.0.0.1:8501/v1/models/default:predict',
  FLT_LOAD_TESTING_MODE: loadTestingMode,
  MEDIA_ALLOWED_HOSTS: mediaHosts,
}
// The sandbox's settings come from its own schema (defaults and checks), read from the same
// environment the sandbox gets, so the workers point where it listens.
const sandboxConfig = sandbox
  ? loadConfigOrExit('sandbox', sandboxEnvSchema, { ...process.env, ...env })
  : undefined
const sandboxPage = sandboxConfig && `${sandboxConfig.SANDBOX_HOST}:${sandboxConfig.SANDBOX_PORT}`
const workerEnv: Record<string, string> = sandboxConfig
  ? {
      ...sandboxWorkerEnv({
        xUrl: `https://${sandboxConfig.SANDBOX_HOST}:${sandboxConfig.SANDBOX_X_PORT}`,
        caFile: resolve(root, sandboxConfig.SANDBOX_CA_FILE),
        mediaHost: `${sandboxPage}`,
      }),
      // The load-test media server stays allowed next to the sandbox's photos.
      MEDIA_ALLOWED_HOSTS: `${mediaHosts},${sandboxPage}`,
      FLT_LOAD_TESTING_MODE: loadTestingMode,
    }
  : {}
if (sandbox && loadTesting)
  console.info(
    'dev: load-testing mode (FLT_LOAD_TESTING_MODE=True): replies are formed and logged, sent nowhere; the sandbox page shows the timelines only',
  )
else if (sandbox)
  console.info(
    'dev: no X credentials set: the sandbox stands in for X; the workers reply to its fake X API',
  )

const services: Service[] = [
  {
    name: 'redis',
    cmd: [
      'redis-server',
      '--port',
      redisPort,
      '--bind',
      '127.0.0.1',
      '--dir',
      dataDir,
      '--appendonly',
      'yes',
      '--save',
      '',
    ],
  },
  {
    name: 'tf-serving',
    cmd: [
      'bun',
      'tf-serving/src/main.ts',
      '--rest_api_port=8501',
      '--port=8500',
      '--model_name=default',
      `--model_base_path=${resolve(root, 'models/default')}`,
    ],
  },
  {
    name: 'master',
    cmd: ['bun', 'master/src/main.ts'],
    env: { PORT: '8080', METRICS_PORT: '9090' },
  },
  ...(sandbox
    ? [
        {
          name: 'sandbox',
          cmd: ['bun', 'sandbox/src/main.ts'],
          env: {
            MASTER_URL: 'http://127.0.0.1:8080',
            WORKER_URLS: 'http://127.0.0.1:8081,http://127.0.0.1:8082',
          },
          // The workers read the fake X's certificate at start: it must be written first.
          readyUrl: `http://${sandboxPage}/healthz`,
        },
      ]
    : []),
  {
    name: 'worker:chat',
    cmd: ['bun', 'workers/src/main.ts', 'chat'],
    env: { ...workerEnv, PORT: '8081', METRICS_PORT: '9091' },
  },
  {
    name: 'worker:tweet',
    cmd: ['bun', 'workers/src/main.ts', 'tweet'],
    env: { ...workerEnv, PORT: '8082', METRICS_PORT: '9092' },
  },
]

const COLOURS = [31, 32, 33, 34, 35, 36]
const width = Math.max(...services.map((s) => s.name.length))
const running: { svc: Service; proc: ReturnType<typeof Bun.spawn> }[] = []

const pipe = async (
  stream: ReadableStream<Uint8Array>,
  prefix: string,
  out: NodeJS.WriteStream,
) => {
  const reader = stream.getReader()
  const decoder = new TextDecoder()
  let buffered = ''
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    buffered += decoder.decode(r.value, { stream: true })
    const lines = buffered.split('\n')
    buffered = lines.pop() ?? ''
    for (const line of lines) out.write(`${prefix}${line}\n`)
  }
  if (buffered) out.write(`${prefix}${buffered}\n`)
}

const waitUntilUp = async (svc: Service, url: string) => {
  const deadline = Date.now() + 30_000
  while (!stopping && Date.now() < deadline) {
    const up = await fetch(url, { signal: AbortSignal.timeout(1_000) }).then(
      (r) => r.ok,
      () => false,
    )
    if (up) return
    await Bun.sleep(100)
  }
  if (!stopping) console.error(`dev: ${svc.name} did not answer ${url} within 30 s; going on`)
}

let stopping = false
const stopAll = async (code: number) => {
  if (stopping) return
  stopping = true
  // Reverse order: services first, Redis last, so in-flight work can be handed back.
  for (const { svc, proc } of [...running].reverse()) {
    proc.kill('SIGTERM')
    const done = await Promise.race([
      proc.exited.then(() => true),
      Bun.sleep(30_000).then(() => false),
    ])
    if (!done) proc.kill('SIGKILL')
    console.info(`dev: ${svc.name} stopped`)
  }
  process.exit(code)
}
process.on('SIGINT', () => void stopAll(0))
process.on('SIGTERM', () => void stopAll(0))

for (const [i, svc] of services.entries()) {
  const prefix = `\x1b[${COLOURS[i % COLOURS.length]}m${svc.name.padEnd(width)} |\x1b[0m `
  const proc = Bun.spawn(svc.cmd, {
    cwd: root,
    env: { ...process.env, ...env, ...svc.env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  running.push({ svc, proc })
  void pipe(proc.stdout, prefix, process.stdout)
  void pipe(proc.stderr, prefix, process.stderr)
  void proc.exited.then((code) => {
    if (stopping) return
    console.error(`dev: ${svc.name} exited with ${code}; stopping everything`)
    void stopAll(1)
  })
  if (svc.name === 'redis') await Bun.sleep(300)
  if (svc.readyUrl) await waitUntilUp(svc, svc.readyUrl)
}
