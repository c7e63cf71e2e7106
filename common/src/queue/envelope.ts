import type { JobEnvelope, QueueName } from './types.ts'

/** A fresh envelope for a job the master enqueues. */
export const newEnvelope = (queue: QueueName, eventId: string, payload: unknown): JobEnvelope => ({
  id: crypto.randomUUID(),
  queue,
  eventId,
  payload,
  attempts: 0,
  enqueuedAt: Date.now(),
})

/** Parses a stored envelope; undefined when the string is not one (never thrown at the caller). */
export const parseEnvelope = (raw: string): JobEnvelope | undefined => {
  try {
    const v = JSON.parse(raw) as Partial<JobEnvelope> | null
    if (!v || typeof v !== 'object' || typeof v.id !== 'string' || typeof v.queue !== 'string')
      return undefined
    if (typeof v.eventId !== 'string' || typeof v.attempts !== 'number') return undefined
    return v as JobEnvelope
  } catch {
    return undefined
  }
}
