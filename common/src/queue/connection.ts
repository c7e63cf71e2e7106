import { QueueUnavailableError } from './errors.ts'
import { isNoScript, type LuaScript, scriptSha } from './scripts.ts'

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
  /** Runs a script by EVALSHA, loading it with EVAL the first time the server lacks it. */
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

/**
 * Opens a connection with Bun's client configured to fail fast: no offline queue (a command
 * sent while disconnected fails at once instead of waiting), no background reconnect loop;
 * instead every call made while disconnected tries one (re)connect, shared by concurrent calls.
 */
export const openConnection = (url: string, opts: ConnectionOptions): Connection => {
  const client = new Bun.RedisClient(url, {
    enableOfflineQueue: false,
    autoReconnect: false,
    maxRetries: 0,
    connectionTimeout: opts.connectTimeoutMs,
  })
  let connecting: Promise<void> | undefined
  let closed = false

  const ensureConnected = async () => {
    if (client.connected) return
    if (closed) throw new QueueUnavailableError('redis connection was closed by this process')
    connecting ??= withTimeout(
      client.connect().then(() => undefined),
      opts.connectTimeoutMs,
      'connect',
    ).finally(() => {
      connecting = undefined
    })
    await connecting
  }

  const send = async (cmd: string, args: string[], extraTimeoutMs = 0) => {
    try {
      await ensureConnected()
      return await withTimeout(client.send(cmd, args), opts.commandTimeoutMs + extraTimeoutMs, cmd)
    } catch (err) {
      throw toQueueError(err, cmd)
    }
  }

  return {
    send,
    eval: async (script, keys, args) => {
      const sha = await scriptSha(script)
      const all = [String(keys.length), ...keys, ...args]
      try {
        return await send('EVALSHA', [sha, ...all])
      } catch (err) {
        if (!isNoScript(err)) throw err
        return await send('EVAL', [script.source, ...all])
      }
    },
    close: () => {
      closed = true
      client.close()
    },
  }
}
