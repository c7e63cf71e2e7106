import type { QueueName } from './types.ts'

/** Every Redis key the queue uses, in one place. */
export const queueKeys = (prefix: string, queue: QueueName) =>
  ({
    pending: `${prefix}:queue:${queue}`,
    delayed: `${prefix}:delayed:${queue}`,
    dead: `${prefix}:dead:${queue}`,
    consumers: `${prefix}:consumers:${queue}`,
    processing: (consumer: string) => `${prefix}:processing:${queue}:${consumer}`,
    heartbeat: (consumer: string) => `${prefix}:heartbeat:${queue}:${consumer}`,
    seen: (eventId: string) => `${prefix}:seen:${queue}:${eventId}`,
    throttle: (senderId: string, window: number) =>
      `${prefix}:throttle:${queue}:${senderId}:${window}`,
  }) as const
