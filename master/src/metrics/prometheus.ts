import { metricsResponse, type Registry } from '@tweetbot/common/src/metrics.ts'
import { Counter, Histogram } from 'prom-client'
import { type MasterMetrics, METRIC } from './types.ts'

const existing = <T>(registry: Registry, name: string) =>
  registry.getSingleMetric(name) as T | undefined

/** The master's metrics on a prom-client `registry`; reused when an app was already built on it. */
export const createPromMasterMetrics = (registry: Registry): MasterMetrics => ({
  events:
    existing<Counter<'api' | 'kind' | 'outcome'>>(registry, METRIC.events.name) ??
    new Counter({
      ...METRIC.events,
      labelNames: ['api', 'kind', 'outcome'] as const,
      registers: [registry],
    }),
  requestDuration:
    existing<Histogram<'route' | 'method' | 'status'>>(registry, METRIC.requestDuration.name) ??
    new Histogram({
      ...METRIC.requestDuration,
      buckets: [...METRIC.requestDuration.buckets],
      labelNames: ['route', 'method', 'status'] as const,
      registers: [registry],
    }),
  signatureFailures:
    existing<Counter<'reason'>>(registry, METRIC.signatureFailures.name) ??
    new Counter({
      ...METRIC.signatureFailures,
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
  render: () => metricsResponse(registry),
})
