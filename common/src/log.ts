/** Structured JSON logs: one object per line on stdout (stderr for warn/error). */
export type LogFields = Record<string, unknown>
export type Level = 'debug' | 'info' | 'warn' | 'error'

export interface Logger {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
  /** A logger that adds `fields` (e.g. `{ jobId }` or `{ eventId }`) to every line. */
  child(fields: LogFields): Logger
}

const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export interface LoggerOptions {
  service: string
  debug?: boolean
  /** Where lines go; tests capture them here. */
  write?: (line: string, level: Level) => void
}

const defaultWrite = (line: string, level: Level) => {
  if (RANK[level] >= RANK.warn) process.stderr.write(`${line}\n`)
  else process.stdout.write(`${line}\n`)
}

const serialise = (value: unknown): unknown =>
  value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value

export const createLogger = (opts: LoggerOptions, bound: LogFields = {}): Logger => {
  const min = opts.debug ? RANK.debug : RANK.info
  const write = opts.write ?? defaultWrite
  const emit =
    (level: Level) =>
    (msg: string, fields: LogFields = {}) => {
      if (RANK[level] < min) return
      const entry: LogFields = { time: new Date().toISOString(), level, service: opts.service, msg }
      for (const [k, v] of Object.entries({ ...bound, ...fields })) entry[k] = serialise(v)
      write(JSON.stringify(entry), level)
    }
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (fields) => createLogger(opts, { ...bound, ...fields }),
  }
}

/** A logger that drops everything; for tests that do not look at logs. */
export const silentLogger: Logger = createLogger({ service: 'silent', write: () => {} })
