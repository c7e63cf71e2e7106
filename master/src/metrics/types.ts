/**
 * What the app records. Two implementations: prom-client (`prometheus.ts`, the Bun entry) and a
 * dependency-free one (`in-memory.ts`, edge runtimes, where prom-client's Node imports fail).
 */
export interface MasterMetrics {
  /** One count per event of a delivery: `outcome` is queued, duplicate, ignored, stale, rejected or failed. */
  events: { inc(labels: { api: string; kind: string; outcome: string }): void }
  requestDuration: {
    observe(labels: { route: string; method: string; status: string }, seconds: number): void
  }
  /** `reason`: missing, malformed or mismatch. */
  signatureFailures: { inc(labels: { reason: string }): void }
  /** Bodies not read to the end; `reason`: too_large, budget, timeout or aborted. */
  bodyRefusals: { inc(labels: { reason: string }): void }
  /** The `GET /metrics` answer (Prometheus text format), served on METRICS_PORT. */
  render(): Promise<Response>
}

export const METRIC = {
  events: {
    name: 'tweetbot_master_events_total',
    help: 'Webhook events by API, kind and outcome (queued, duplicate, ignored, stale, rejected, failed)',
  },
  requestDuration: {
    name: 'tweetbot_master_request_duration_seconds',
    help: 'HTTP request latency of the master',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  },
  signatureFailures: {
    name: 'tweetbot_master_signature_failures_total',
    help: 'Webhook POSTs refused for a missing, malformed or wrong signature',
  },
  bodyRefusals: {
    name: 'tweetbot_master_body_refusals_total',
    help: 'Webhook bodies not read to the end: too_large (413), budget (503), timeout (408), aborted (499)',
  },
} as const
