import type { QueueName } from './queue/types.ts'

/**
 * The reply mark of one event: `{prefix}:replied:{queue}:{eventId}`, set by the workers' reply
 * guard (at most one reply per event). Its own key function, apart from the queue's keys: the
 * queue never reads it, and its lifetime (REPLIED_TTL_SECONDS) is the guard's. The Redis users
 * (queue/acl.ts) grant the workers these keys.
 */
export const replyMarkKey = (prefix: string, queue: QueueName, eventId: string) =>
  `${prefix}:replied:${queue}:${eventId}`
