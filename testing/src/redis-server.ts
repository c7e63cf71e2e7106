import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A free loopback port, found by binding port 0 and releasing it. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })

export interface RedisServerHandle {
  url: string
  port: number
  dir: string
  /** Stops the server (SHUTDOWN NOSAVE is not used: AOF is flushed, as in production). */
  stop(): Promise<void>
  /** Starts it again on the same port and data directory. */
  restart(): Promise<void>
  /** Stops it and removes its data directory. */
  destroy(): Promise<void>
}

export interface RedisServerOptions {
  port?: number
  dir?: string
  appendonly?: boolean
  /**
   * Lines of a redis.conf read before the command-line options (e.g. `user` lines from
   * `redisAclConfig`). Written to `<dir>/redis.conf`.
   */
  config?: string[]
}

/** Starts a private redis-server on 127.0.0.1 with its data in a temporary directory. */
export const startRedisServer = async (
  opts: RedisServerOptions = {},
): Promise<RedisServerHandle> => {
  const port = opts.port ?? (await freePort())
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'tweetbot-redis-'))
  const configFile = join(dir, 'redis.conf')
  if (opts.config) writeFileSync(configFile, `${opts.config.join('\n')}\n`, { mode: 0o600 })
  const args = [
    ...(opts.config ? [configFile] : []),
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    opts.appendonly === false ? 'no' : 'yes',
    '--appendfsync',
    'everysec',
    '--protected-mode',
    'yes',
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
  ]
  let proc: ReturnType<typeof Bun.spawn> | undefined
  const launch = async () => {
    proc = Bun.spawn(['redis-server', ...args], { stdout: 'ignore', stderr: 'pipe' })
    await waitForPort(port, proc)
  }
  const stop = async () => {
    if (!proc) return
    const p = proc
    proc = undefined
    p.kill('SIGTERM')
    await p.exited
  }
  await launch()
  const kill = () => proc?.kill('SIGKILL')
  process.once('exit', kill)
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop,
    restart: async () => {
      await stop()
      await launch()
    },
    destroy: async () => {
      await stop()
      process.off('exit', kill)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

const waitForPort = async (port: number, proc: ReturnType<typeof Bun.spawn>) => {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) {
      const err =
        proc.stderr instanceof ReadableStream ? await new Response(proc.stderr).text() : ''
      throw new Error(`redis-server exited with ${proc.exitCode}: ${err.slice(0, 500)}`)
    }
    try {
      const sock = await Bun.connect({ hostname: '127.0.0.1', port, socket: { data() {} } })
      sock.end()
      return
    } catch {
      await Bun.sleep(20)
    }
  }
  throw new Error(`redis-server did not listen on ${port} within 10 s`)
}
