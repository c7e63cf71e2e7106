import { z } from 'zod'
import { QUEUE_NAMES, type QueueName } from './queue/types.ts'

/**
 * What a worker did with one job, published on Redis pub/sub when the worker runs with
 * `JOB_EVENTS=True` (the sandbox turns it on to draw each message's timeline). Fire and forget:
 * nobody listening costs one PUBLISH per event, and a failed publish never fails a job.
 */
export const jobEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('taken'),
    eventId: z.string(),
    queue: z.enum(QUEUE_NAMES),
    /** The consumer id (WORKER_ID) that reserved the job. */
    worker: z.string(),
    jobId: z.string(),
    /** Attempts before this one (0 on the first). */
    attempt: z.number(),
    /** When the master queued the job (epoch ms). */
    enqueuedAt: z.number().optional(),
    at: z.number(),
  }),
  z.object({
    type: z.literal('stage'),
    eventId: z.string(),
    stage: z.enum(['lookup', 'download', 'preprocess', 'predict', 'reply']),
    startedAt: z.number(),
    ms: z.number(),
    ok: z.boolean(),
  }),
  z.object({
    type: z.literal('scores'),
    eventId: z.string(),
    labels: z.array(z.string()),
    scores: z.array(z.number()),
  }),
  z.object({
    type: z.literal('finished'),
    eventId: z.string(),
    outcome: z.enum(['replied', 'skipped', 'failed']),
    reason: z.string().optional(),
    at: z.number(),
  }),
])
export type JobEvent = z.output<typeof jobEventSchema>
export type JobStage = Extract<JobEvent, { type: 'stage' }>['stage']

/** The pub/sub channel a queue's job events go to. */
export const jobEventsChannel = (prefix: string, queue: QueueName) => `${prefix}:events:${queue}`

export type JobEventSink = (event: JobEvent) => void

/**
 * A sink that PUBLISHes each event as JSON on `channel` through `send` (a raw Redis command).
 * Errors are swallowed on purpose: the timeline is a debugging aid, the reply is the product.
 */
export const createJobEventPublisher =
  (send: (cmd: string, args: string[]) => Promise<unknown>, channel: string): JobEventSink =>
  (event) => {
    void send('PUBLISH', [channel, JSON.stringify(event)]).catch(() => {})
  }
