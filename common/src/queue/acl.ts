// Redis ACL users, one per role, each allowed only the commands and keys its code sends. The one
// source of these rules: the in-cluster Redis template (manifests/templates/redis.yaml, written
// by `bun manifests/src/redis-acl.ts --write`) and the tests that start a real redis-server with
// them both come from here.
import { createHash } from 'node:crypto'
import { jobEventsChannel } from '../job-events.ts'
import { replyMarkKey } from '../reply-marks.ts'
import { queueKeys } from './keys.ts'
import { ENQUEUE, type LuaScript } from './scripts.ts'
import { QUEUE_NAMES } from './types.ts'

export const REDIS_ROLES = ['master', 'worker', 'admin'] as const
export type RedisRole = (typeof REDIS_ROLES)[number]

/** SHA-1 of a script's source, as EVALSHA names it (the same digest as `scriptSha`). */
const sha1 = (script: LuaScript) => createHash('sha1').update(script.source).digest('hex')

// Key patterns: the queue's own key functions with `*` in place of the variable part, so a
// renamed key renames its rule. QUEUE_PREFIX allows no glob character ([A-Za-z0-9_.-]).
const keysOf = (prefix: string, pick: (k: ReturnType<typeof queueKeys>) => string[]) =>
  QUEUE_NAMES.flatMap((q) => pick(queueKeys(prefix, q))).map((k) => `~${k}`)

// Redis >= 7 checks every command a script calls against the calling user's rules, so a
// script can do nothing its user could not do directly; the command lists below include what
// the queue's scripts call.
const MASTER_COMMANDS = [
  // readiness
  'ping',
  // the enqueue script (and what it calls); no other script, no EVAL of arbitrary Lua
  `evalsha|${sha1(ENQUEUE)}`,
  'script|load',
  'set',
  'lpush',
]

const WORKER_COMMANDS = [
  'ping',
  // the scripts of the queue, the reply guard and the sender throttle, by SHA (SCRIPT LOAD when
  // the server lacks one); no EVAL. A script runs with these same rights, whoever wrote it.
  'evalsha',
  'script|load',
  // reserve, ack, heartbeat, recover, depths (metrics), reply marks
  'blmove',
  'lrem',
  'sadd',
  'smembers',
  'srem',
  'set',
  'get',
  'del',
  'exists',
  'llen',
  'zcard',
  // inside claim (count a run at reserve), moveJob, retry, promote and reap
  'lpush',
  'lpop',
  'lpos',
  'rpush',
  'lmove',
  'zadd',
  'zrangebyscore',
  'zrem',
  'time',
  // the per-sender throttle's window (workers/src/pipeline/sender-throttle.ts)
  'hget',
  'hlen',
  'hset',
  'expire',
  // job events (JOB_EVENTS=True)
  'publish',
]

/**
 * The ACL rules of each role, after `user <name> on >password`:
 * - master (internet-facing): PING and the enqueue script only, on the pending lists and the
 *   dedupe marks. It cannot read any list, run another script or send Lua of its own.
 * - worker: the queue's commands and scripts on every queue key except the dedupe marks.
 * - admin (`bun run queue`, the Redis pod's probe, operators): any command but @dangerous ones
 *   (FLUSHALL, KEYS, CONFIG, DEBUG, ACL changes…), on keys under the prefix only.
 */
export const redisAclRules = (prefix: string): Record<RedisRole, string[]> => ({
  master: [
    'resetkeys',
    'resetchannels',
    ...keysOf(prefix, (k) => [k.pending, k.seen('*')]),
    '-@all',
    ...MASTER_COMMANDS.map((c) => `+${c}`),
  ],
  worker: [
    'resetkeys',
    'resetchannels',
    ...keysOf(prefix, (k) => [
      k.pending,
      k.delayed,
      k.dead,
      k.consumers,
      k.processing('*'),
      k.heartbeat('*'),
      k.throttle('*', 0).replace(/0$/, '*'),
    ]),
    ...QUEUE_NAMES.map((q) => `~${replyMarkKey(prefix, q, '*')}`),
    // job events for the sandbox's timeline (JOB_EVENTS=True), on their channels only
    ...QUEUE_NAMES.map((q) => `&${jobEventsChannel(prefix, q)}`),
    '-@all',
    ...WORKER_COMMANDS.map((c) => `+${c}`),
  ],
  admin: ['resetkeys', 'resetchannels', `~${prefix}:*`, '+@all', '-@dangerous'],
})

/** Passwords (or shell references to them, for a template) by role. */
export type RolePasswords = Record<RedisRole, string>

/**
 * redis.conf lines that define the users and disable `default` (a connection must log in as one
 * of them). Passwords are given as `>password`: [A-Za-z0-9] only, since a line splits on spaces.
 */
export const redisAclConfig = (prefix: string, passwords: RolePasswords): string[] => {
  const rules = redisAclRules(prefix)
  return [
    'user default off resetpass resetkeys resetchannels -@all',
    ...REDIS_ROLES.map((role) => `user ${role} on >${passwords[role]} ${rules[role].join(' ')}`),
  ]
}
