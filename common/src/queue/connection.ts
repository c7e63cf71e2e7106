import { QueueUnavailableError } from './errors.ts'
import { isNoScript, knownSha, type LuaScript, scriptSha } from './scripts.ts'

export interface ConnectionOptions {
  /** How long a (re)connect may take before the call fails. */
  connectTimeoutMs: number
  /** How long a non-blocking command may take before the call fails (a hung server). */
  commandTimeoutMs: number
}

/** One Redis connection that fails fast instead of queueing commands while Redis is away. */
export interface Connection {
  /** Sends a raw command; `extraTimeoutMs` extends the deadline for blocking commands. */
  send(cmd: string, args: string[], extraTimeoutMs?: number): Promise<unknown>
  /** Runs a script by EVALSHA, loading it (SCRIPT LOAD) the first time the server lacks it. */
  eval(script: LuaScript, keys: string[], args: string[]): Promise<unknown>
  close(): void
}

// Server replies that mean "Redis is not able to serve now", not "your command is wrong".
const UNAVAILABLE_REPLY = /^(LOADING|MASTERDOWN|READONLY|BUSY|TRYAGAIN|CLUSTERDOWN)\b/

const toQueueError = (err: unknown, what: string): unknown => {
  if (err instanceof QueueUnavailableError) return err
  const code = (err as { code?: unknown } | null)?.code
  const message = err instanceof Error ? err.message : String(err)
  if (
    (typeof code === 'string' && code !== 'ERR_REDIS_SERVER_ERROR') ||
    UNAVAILABLE_REPLY.test(message)
  )
    return new QueueUnavailableError(`redis unavailable during ${what}: ${message}`, { cause: err })
  return err
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new QueueUnavailableError(`redis did not answer ${what} within ${ms} ms`)),
      ms,
    )
  })
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer))
}

interface Waiting {
  deadline: number
  what: string
  ms: number
  reject: (err: unknown) => void
}

/**
 * Opens a connection with Bun's client configured to fail fast: no offline queue (a command
 * sent while disconnected fails at once instead of waiting), no background reconnect loop;
 * instead every call made while disconnected tries one (re)connect, shared by concurrent calls.
 */
export const openConnection = (url: string, opts: ConnectionOptions): Connection => {
  const newClient = () =>
    new Bun.RedisClient(url, {
      enableOfflineQueue: false,
      autoReconnect: false,
      maxRetries: 0,
      connectionTimeout: opts.connectTimeoutMs,
    })
  let client = newClient()
  let connecting: Promise<void> | undefined
  let closed = false
  // One watchdog per connection instead of a timer per command: commands are many and short.
  const waiting = new Set<Waiting>()
  let watchdog: ReturnType<typeof setInterval> | undefined
  const sweep = () => {
    const now = Date.now()
    let expired = false
    for (const w of waiting) {
      if (w.deadline > now) continue
      expired = true
      waiting.delete(w)
      w.reject(new QueueUnavailableError(`redis did not answer ${w.what} within ${w.ms} ms`))
    }
    // A command past its deadline means a hung server or a half-open socket: replies on this
    // connection can no longer be trusted to come, so later calls get a fresh connection (the
    // commands still queued on the old one fail with it).
    if (expired && !closed) replaceClient()
    if (waiting.size === 0) {
      clearInterval(watchdog)
      watchdog = undefined
    }
  }
  const tick = Math.max(10, Math.min(250, Math.floor(opts.commandTimeoutMs / 4)))

  // A stale or failed client is replaced, never reused: Bun's client can stay in a failed state
  // after a timed-out handshake, and a fresh object always makes a fresh attempt.
  const replaceClient = () => {
    const stale = client
    client = newClient()
    stale.close()
  }

  const ensureConnected = async () => {
    if (client.connected) return
    if (closed) throw new QueueUnavailableError('redis connection was closed by this process')
    connecting ??= withTimeout(
      client.connect().then(() => undefined),
      opts.connectTimeoutMs,
      'connect',
    )
      .catch((err) => {
        if (!closed) replaceClient()
        throw err
      })
      .finally(() => {
        connecting = undefined
      })
    await connecting
  }

  const sendNow = (cmd: string, args: string[], extraTimeoutMs: number) =>
    new Promise<unknown>((resolve, reject) => {
      const ms = opts.commandTimeoutMs + extraTimeoutMs
      const w: Waiting = { deadline: Date.now() + ms, what: cmd, ms, reject }
      waiting.add(w)
      watchdog ??= setInterval(sweep, tick)
      client.send(cmd, args).then(
        (value) => {
          waiting.delete(w)
          resolve(value)
        },
        (err) => {
          waiting.delete(w)
          reject(toQueueError(err, cmd))
        },
      )
    })

  const send = async (cmd: string, args: string[], extraTimeoutMs = 0) => {
    if (!client.connected) {
      try {
        await ensureConnected()
      } catch (err) {
        throw toQueueError(err, 'connect')
      }
    }
    return sendNow(cmd, args, extraTimeoutMs)
  }

  return {
    send,
    eval: async (script, keys, args) => {
      const sha = knownSha(script) ?? (await scriptSha(script))
      const all = [String(keys.length), ...keys, ...args]
      try {
        return await send('EVALSHA', [sha, ...all])
      } catch (err) {
        if (!isNoScript(err)) throw err
        // Load it, then run it by its SHA: a Redis user may be allowed this one script by SHA
        // but no EVAL of arbitrary Lua (the master's ACL user, see acl.ts).
        await send('SCRIPT', ['LOAD', script.source])
        return await send('EVALSHA', [sha, ...all])
      }
    },
    close: () => {
      closed = true
      clearInterval(watchdog)
      watchdog = undefined
      for (const w of waiting) w.reject(new QueueUnavailableError('redis connection closed'))
      waiting.clear()
      client.close()
    },
  }
}
