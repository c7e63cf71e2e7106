import { metricsResponse, type Registry } from '@tweetbot/common/metrics'
import { Counter, Histogram } from 'prom-client'
import { type MasterMetrics, METRIC } from './types.ts'

/** The master's metrics on a prom-client `registry` (one per app: each name registers once). */
export const createPromMasterMetrics = (registry: Registry): MasterMetrics => ({
  events: new Counter({
    ...METRIC.events,
    labelNames: ['api', 'kind', 'outcome'] as const,
    registers: [registry],
  }),
  requestDuration: new Histogram({
    ...METRIC.requestDuration,
    buckets: [...METRIC.requestDuration.buckets],
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  }),
  signatureFailures: new Counter({
    ...METRIC.signatureFailures,
    labelNames: ['reason'] as const,
    registers: [registry],
  }),
  bodyRefusals: new Counter({
    ...METRIC.bodyRefusals,
    labelNames: ['reason'] as const,
    registers: [registry],
  }),
  render: () => metricsResponse(registry),
})
