// `bun run queue <stats|dead|replay|purge> [queue]`: look at the queues and replay dead jobs.
// Reads REDIS_URL and QUEUE_PREFIX (see common/README.md).
import { loadConfigOrExit } from '../config/load-config.ts'
import { sharedEnvSchema } from '../config/shared.ts'
import { QueueUnavailableError } from './errors.ts'
import { createRedisQueue, type PurgeableState, type RedisQueue } from './redis-queue.ts'
import { QUEUE_NAMES, type QueueName } from './types.ts'

export const USAGE = `usage: bun run queue <command> [queue] [options]

commands:
  stats [queue] [--json]          depths of pending, processing, delayed, dead
  dead [queue] [--limit N] [--json]
                                  dead jobs, newest first (default limit 20)
  replay [queue] [N]              move the N oldest dead jobs (default: all) back to pending
  purge <queue> [state]           drop every job in one state: dead (default), delayed, pending

queue: chat | tweet (default: both, except for purge)
env:   REDIS_URL (default redis://127.0.0.1:6379), QUEUE_PREFIX (default tweetbot)`

export interface CliIO {
  out(line: string): void
  err(line: string): void
}

class UsageError extends Error {}

const parseQueue = (v: string | undefined, required: boolean): QueueName[] => {
  if (v === undefined) {
    if (required) throw new UsageError('a queue is required: chat or tweet')
    return [...QUEUE_NAMES]
  }
  if (!(QUEUE_NAMES as readonly string[]).includes(v))
    throw new UsageError(`unknown queue '${v}': expected chat or tweet`)
  return [v as QueueName]
}

const parseCount = (v: string | undefined, what: string): number | undefined => {
  if (v === undefined) return undefined
  if (!/^\d+$/.test(v) || Number(v) < 1)
    throw new UsageError(`${what} must be a whole number >= 1, got '${v}'`)
  return Number(v)
}

const table = (rows: (string | number)[][]): string[] => {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)))
  return rows.map((r) =>
    r
      .map((c, i) =>
        typeof c === 'number' ? String(c).padStart(widths?.[i] ?? 0) : c.padEnd(widths?.[i] ?? 0),
      )
      .join('  ')
      .trimEnd(),
  )
}

const redact = (url: string) => {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return '(unparsable url)'
  }
}

const run = async (q: RedisQueue, args: string[], io: CliIO) => {
  const json = args.includes('--json')
  const limitAt = args.indexOf('--limit')
  const limit = limitAt >= 0 ? parseCount(args[limitAt + 1], '--limit') : undefined
  const positional = args.filter(
    (a, i) => !a.startsWith('--') && (limitAt < 0 || i !== limitAt + 1),
  )
  const unknown = args.filter((a) => a.startsWith('--') && a !== '--json' && a !== '--limit')
  if (unknown.length > 0) throw new UsageError(`unknown option ${unknown[0]}`)
  const [command, queueArg, extra, ...rest] = positional
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`)

  switch (command) {
    case 'stats': {
      if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`)
      const names = parseQueue(queueArg, false)
      const stats = await Promise.all(names.map(async (n) => [n, await q.depths(n)] as const))
      if (json) {
        io.out(JSON.stringify(Object.fromEntries(stats)))
        return
      }
      const rows: (string | number)[][] = [
        ['queue', 'pending', 'processing', 'delayed', 'dead', 'consumers'],
      ]
      for (const [n, s] of stats)
        rows.push([n, s.pending, s.processing, s.delayed, s.dead, s.consumers])
      for (const line of table(rows)) io.out(line)
      return
    }
    case 'dead': {
      if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`)
      for (const n of parseQueue(queueArg, false)) {
        const jobs = await q.listDead(n, limit ?? 20)
        if (json) {
          for (const j of jobs) io.out(JSON.stringify(j))
          continue
        }
        io.out(`${n}: ${jobs.length === 0 ? 'no dead jobs' : `${jobs.length} shown, newest first`}`)
        for (const j of jobs) {
          const when = j.failedAt ? new Date(j.failedAt).toISOString() : '?'
          io.out(`  ${when}  event ${j.eventId}  job ${j.id}  attempts ${j.attempts}`)
          io.out(`    ${j.lastError ?? '(no error recorded)'}`)
        }
      }
      return
    }
    case 'replay': {
      const n = parseCount(extra, 'N')
      for (const name of parseQueue(queueArg, false)) {
        const moved = await q.replayDead(name, n)
        io.out(`${name}: replayed ${moved} dead job${moved === 1 ? '' : 's'} to pending`)
      }
      return
    }
    case 'purge': {
      const [name] = parseQueue(queueArg, true)
      const state = (extra ?? 'dead') as PurgeableState
      if (!['dead', 'delayed', 'pending'].includes(state))
        throw new UsageError(`cannot purge '${extra}': expected dead, delayed or pending`)
      const dropped = await q.purge(name!, state)
      io.out(`${name}: purged ${dropped} ${state} job${dropped === 1 ? '' : 's'}`)
      return
    }
    case undefined:
      throw new UsageError('missing command')
    default:
      throw new UsageError(`unknown command '${command}'`)
  }
}

/** Runs the CLI; returns the exit code (0 ok, 1 Redis or runtime error, 2 usage error). A bad
 * environment exits 2 at once (`loadConfigOrExit`). */
export const runQueueCli = async (
  args: string[],
  env: Record<string, string | undefined>,
  io: CliIO,
): Promise<number> => {
  if (args.includes('-h') || args.includes('--help') || args[0] === 'help') {
    io.out(USAGE)
    return 0
  }
  const config = loadConfigOrExit('queue', sharedEnvSchema, env)
  const q = createRedisQueue({ url: config.REDIS_URL, prefix: config.QUEUE_PREFIX })
  try {
    await run(q, args, io)
    return 0
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`error: ${err.message}\n\n${USAGE}`)
      return 2
    }
    if (err instanceof QueueUnavailableError) {
      io.err(`error: cannot reach Redis at ${redact(config.REDIS_URL)}: ${err.message}`)
      return 1
    }
    io.err(`error: ${err instanceof Error ? err.message : String(err)}`)
    return 1
  } finally {
    await q.close()
  }
}

if (import.meta.main) {
  const code = await runQueueCli(process.argv.slice(2), process.env, {
    out: (line) => console.info(line),
    err: (line) => console.error(line),
  })
  process.exit(code)
}
