import { Counter, Histogram, type Registry } from 'prom-client'

export interface MasterMetrics {
  /** One count per event of a delivery: `outcome` is queued, duplicate, ignored, rejected or failed. */
  events: Counter<'api' | 'kind' | 'outcome'>
  requestDuration: Histogram<'route' | 'method' | 'status'>
  signatureFailures: Counter<'reason'>
}

const existing = <T>(registry: Registry, name: string) =>
  registry.getSingleMetric(name) as T | undefined

/** The master's metrics on `registry`; reused when an app was already built on it. */
export const createMasterMetrics = (registry: Registry): MasterMetrics => ({
  events:
    existing(registry, 'tweetbot_master_events_total') ??
    new Counter({
      name: 'tweetbot_master_events_total',
      help: 'Webhook events by API, kind and outcome (queued, duplicate, ignored, rejected, failed)',
      labelNames: ['api', 'kind', 'outcome'] as const,
      registers: [registry],
    }),
  requestDuration:
    existing(registry, 'tweetbot_master_request_duration_seconds') ??
    new Histogram({
      name: 'tweetbot_master_request_duration_seconds',
      help: 'HTTP request latency of the master',
      labelNames: ['route', 'method', 'status'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  signatureFailures:
    existing(registry, 'tweetbot_master_signature_failures_total') ??
    new Counter({
      name: 'tweetbot_master_signature_failures_total',
      help: 'Webhook POSTs refused for a missing, malformed or wrong signature',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
})
