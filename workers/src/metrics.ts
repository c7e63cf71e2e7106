import type { QueueName } from '@tweetbot/common/queue'
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

export type Stage = 'download' | 'preprocess' | 'predict' | 'reply'

export interface WorkerMetrics {
  /** Runs `fn`, recording its duration under `stage` (also when it throws). */
  time<T>(stage: Stage, fn: () => Promise<T>): Promise<T>
  skipped(reason: string): void
  /** A sender over the per-sender limit: sent the slow-down reply, or silenced. */
  throttled(action: 'slow_down' | 'silenced'): void
  modelReady: Gauge
}

/**
 * The worker's own series; `tweetbot_jobs_total{queue,outcome}`, `tweetbot_jobs_in_flight{queue}`
 * and `tweetbot_queue_depth{queue,state}` come from the queue consumer on the same registry.
 * Stage buckets span a fast local predict (~10 ms) to a slow media host (10 s).
 */
export const createWorkerMetrics = (
  registry: Registry,
  queue: QueueName,
  opts: { loadTestingMode: boolean },
): WorkerMetrics => {
  // Read by load_test/vegeta_attack.sh: it attacks only a stack whose workers never call X.
  new Gauge({
    name: 'tweetbot_load_testing_mode',
    help: '1 when FLT_LOAD_TESTING_MODE=True (no call to X), else 0',
    registers: [registry],
  }).set(opts.loadTestingMode ? 1 : 0)
  const stages = new Histogram({
    name: 'tweetbot_worker_stage_seconds',
    help: 'Time spent per pipeline stage (download, preprocess, predict, reply)',
    labelNames: ['queue', 'stage'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  })
  const skips = new Counter({
    name: 'tweetbot_worker_skipped_total',
    help: 'Jobs skipped without a reply, by reason',
    labelNames: ['queue', 'reason'],
    registers: [registry],
  })
  const throttled = new Counter({
    name: 'tweetbot_worker_throttled_total',
    help: 'Events of senders over the per-sender reply limit: slow_down (the one polite reply sent), silenced (no reply)',
    labelNames: ['queue', 'action'],
    registers: [registry],
  })
  const modelReady = new Gauge({
    name: 'tweetbot_worker_model_ready',
    help: '1 once the model input size is known from tf-serving',
    registers: [registry],
  })
  return {
    time: async (stage, fn) => {
      const end = stages.startTimer({ queue, stage })
      try {
        return await fn()
      } finally {
        end()
      }
    },
    skipped: (reason) => skips.inc({ queue, reason }),
    throttled: (action) => throttled.inc({ queue, action }),
    modelReady,
  }
}
