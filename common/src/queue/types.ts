/** The two work queues: DMs go to `chat`, mentions to `tweet`. */
export type QueueName = 'chat' | 'tweet'
export const QUEUE_NAMES: readonly QueueName[] = ['chat', 'tweet']

/** What the master needs: enqueue with dedupe. Implemented over Bun's Redis client and over @upstash/redis. */
export interface QueueProducer {
  /**
   * Atomically: if `eventId` was not seen on this queue within the dedupe TTL, mark it seen and
   * push the job. Returns 'queued' or 'duplicate'. Throws `QueueUnavailableError` when Redis
   * cannot be reached (the master answers 503).
   */
  enqueue(queue: QueueName, eventId: string, payload: unknown): Promise<'queued' | 'duplicate'>
  /** True when Redis answers PING. */
  ping(): Promise<boolean>
}

/** A job as stored in Redis. */
export interface JobEnvelope {
  id: string
  queue: QueueName
  eventId: string
  payload: unknown
  /**
   * Runs started: counted when the job is reserved, so a run that kills its worker counts too.
   * A run handed back unfinished by a clean shutdown does not count.
   */
  attempts: number
  enqueuedAt: number
  /** Runs that ended with their worker dead (taken back by the reaper or a restart). */
  crashes?: number
  lastError?: string
  /** When it went to the dead list (ms since epoch). */
  failedAt?: number
}

/** A job held by one consumer, in its processing list. */
export interface Reserved {
  job: JobEnvelope
  /** The exact string stored in the processing list (LREM needs it). */
  raw: string
  consumer: string
}

/** Where a job can be: waiting, held by a consumer, waiting for a retry, or given up on. */
export type QueueState = 'pending' | 'processing' | 'delayed' | 'dead'
export const QUEUE_STATES: readonly QueueState[] = ['pending', 'processing', 'delayed', 'dead']

/** Depths of one queue, and the consumers registered on it. */
export interface QueueDepths {
  pending: number
  processing: number
  delayed: number
  dead: number
  consumers: number
}
