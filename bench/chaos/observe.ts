import { createRedisQueue, openConnection } from '@tweetbot/common/queue'
import { ALL_SERVICES, type Stack } from '@tweetbot/testing/stack'
import { replyMarkKey } from '../../workers/src/reply/reply-guard.ts'
import {
  type Accounting,
  account,
  type DeadRecord,
  replyRecordOf,
  type SentEvent,
} from './accounting.ts'
import type { ScenarioContext } from './scenarios.ts'

/**
 * What the suite reads back after a scenario: the fake X's recorded replies, the dead lists and
 * the workers' reply marks in Redis, and the workers' logs; plus the waits built on them.
 */

/** Dead-list entries and in-doubt marks, read from Redis (undefined while Redis is away). */
const readQueueState = async (s: Stack, events: readonly SentEvent[], lost: Set<string>) => {
  const queue = createRedisQueue({ url: s.redis.url, prefix: s.prefix })
  const conn = openConnection(s.redis.url, { connectTimeoutMs: 2_000, commandTimeoutMs: 5_000 })
  try {
    const dead: DeadRecord[] = []
    for (const q of ['chat', 'tweet'] as const)
      for (const job of await queue.listDead(q, 1_000_000))
        dead.push({
          queue: q,
          eventId: job.eventId,
          lastError: job.lastError,
          failedAt: job.failedAt,
        })
    const deadIds = new Set(dead.map((d) => `${d.queue}:${d.eventId}`))
    const inDoubt = new Set<string>()
    for (const e of events) {
      if (!lost.has(e.eventId) || deadIds.has(`${e.queue}:${e.eventId}`)) continue
      const mark = await conn.send('GET', [replyMarkKey(s.prefix, e.queue, e.eventId)])
      // `sending` or `sending:<ms>`: claimed by an attempt that never finished.
      if (typeof mark === 'string' && mark.startsWith('sending')) inDoubt.add(e.eventId)
    }
    return { dead, inDoubt }
  } catch {
    return undefined
  } finally {
    conn.close()
    await queue.close().catch(() => undefined)
  }
}

export const snapshot = async (
  ctx: ScenarioContext,
  events: readonly SentEvent[],
  faultEndAt: number,
  expectedBuryReason?: RegExp,
): Promise<Accounting> => {
  const replies = ctx.stack.x.requests
    .map((r) => replyRecordOf(r, ctx.x.late.has(r)))
    .filter((r) => r !== undefined)
  const base = account({ events, replies, dead: [], faultEndAt })
  if (base.lost === 0) return base
  // Accepted and not answered: only these can be buried or in doubt.
  const state = await readQueueState(ctx.stack, events, new Set(base.lostIds))
  if (!state) return base
  return account({
    events,
    replies,
    dead: state.dead,
    inDoubt: state.inDoubt,
    faultEndAt,
    expectedBuryReason,
  })
}

/** Waits until every accepted event is answered or buried (in-doubt ones once they stay so). */
export const drain = async (
  ctx: ScenarioContext,
  events: readonly SentEvent[],
  faultEndAt: number,
  expectedBuryReason?: RegExp,
) => {
  const { cfg } = ctx
  const deadline = Date.now() + cfg.drainSeconds * 1000
  let firm = -1
  let progressAt = Date.now()
  for (;;) {
    const a = await snapshot(ctx, events, faultEndAt, expectedBuryReason)
    const nowFirm = a.replied + a.buried
    if (nowFirm === a.accepted) return a
    if (nowFirm > firm) {
      firm = nowFirm
      progressAt = Date.now()
    }
    const quiet = Date.now() - progressAt > cfg.xTimeoutMs + 5_000
    if ((a.settled === a.accepted && quiet) || Date.now() > deadline) return a
    await Bun.sleep(1_000)
  }
}

/** Redelivered jobs the workers' reply guard kept from replying again, from their logs. */
export const guardSkips = (s: Stack, events: readonly SentEvent[]) => {
  const ids = new Set(events.map((e) => e.eventId))
  let n = 0
  for (const name of ['worker:chat', 'worker:tweet'] as const)
    for (const line of s.services[name].logs().split('\n')) {
      if (!line.includes('"msg":"skipped"')) continue
      try {
        const entry = JSON.parse(line) as { eventId?: string; reason?: string }
        if (entry.eventId && ids.has(entry.eventId) && /replied|doubt/.test(entry.reason ?? '')) n++
      } catch {}
    }
  return n
}

/** Every service running and ready again (a scenario may have left one down). */
export const ensureHealthy = async (s: Stack, log: (msg: string) => void) => {
  for (const name of ALL_SERVICES) {
    if (!s.services[name].running) {
      log(`  ${name} is not running after the scenario; restarting it`)
      await s.restart(name)
    } else await s.waitReady(name, 60_000)
  }
}
