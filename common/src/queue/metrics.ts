import { Counter, Gauge, type Registry } from 'prom-client'
import type { RedisQueue } from './redis-queue.ts'
import { QUEUE_STATES, type QueueName } from './types.ts'

/** Every way a job run ends, as counted in `tweetbot_jobs_total{queue,outcome}`. */
export type JobOutcomeLabel = 'replied' | 'skipped' | 'retried' | 'dead'

interface DepthSource {
  queue: RedisQueue
  name: QueueName
}

export interface QueueMetrics {
  jobs: Counter<'queue' | 'outcome'>
  inFlight: Gauge<'queue'>
  /** Adds a queue to `tweetbot_queue_depth`; the returned function removes it again. */
  watchDepth(source: DepthSource): () => void
}

const sources = new WeakMap<Registry, Set<DepthSource>>()

// Several consumers (chat and tweet) may share one registry: get the metric when it exists.
const getOrCreate = <M>(registry: Registry, name: string, create: () => M): M =>
  (registry.getSingleMetric(name) as M | undefined) ?? create()

/**
 * The queue metrics in `registry`: `tweetbot_jobs_total{queue,outcome}`,
 * `tweetbot_jobs_in_flight{queue}` and `tweetbot_queue_depth{queue,state}` (read from Redis on
 * every scrape; left unchanged when Redis does not answer).
 */
export const queueMetrics = (registry: Registry): QueueMetrics => {
  const set = sources.get(registry) ?? new Set<DepthSource>()
  sources.set(registry, set)
  const jobs = getOrCreate(
    registry,
    'tweetbot_jobs_total',
    () =>
      new Counter({
        name: 'tweetbot_jobs_total',
        help: 'Jobs finished, by queue and outcome (replied, skipped, retried, dead)',
        labelNames: ['queue', 'outcome'] as const,
        registers: [registry],
      }),
  )
  const inFlight = getOrCreate(
    registry,
    'tweetbot_jobs_in_flight',
    () =>
      new Gauge({
        name: 'tweetbot_jobs_in_flight',
        help: 'Jobs being processed by this process',
        labelNames: ['queue'] as const,
        registers: [registry],
      }),
  )
  getOrCreate(
    registry,
    'tweetbot_queue_depth',
    () =>
      new Gauge({
        name: 'tweetbot_queue_depth',
        help: 'Jobs in each state of each queue (pending, processing, delayed, dead)',
        labelNames: ['queue', 'state'] as const,
        registers: [registry],
        async collect() {
          await Promise.all(
            [...set].map(async ({ queue, name }) => {
              try {
                const depths = await queue.depths(name)
                for (const state of QUEUE_STATES) this.set({ queue: name, state }, depths[state])
              } catch {
                // Redis away: keep the last values; /readyz reports the outage.
              }
            }),
          )
        },
      }),
  )
  return {
    jobs,
    inFlight,
    watchDepth: (source) => {
      set.add(source)
      return () => set.delete(source)
    },
  }
}
