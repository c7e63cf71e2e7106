// Prometheus metrics for /metrics and TF Serving's /monitoring/prometheus/metrics.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

export const createServingMetrics = (
  registry: Registry,
  queueDepth: () => number,
  nativeFallback: () => boolean = () => false,
) => {
  const labelNames = ['model', 'method', 'status'] as const
  return {
    requests: new Counter({
      name: 'tfserving_requests_total',
      help: 'REST requests by model, method (predict, classify, regress, status, metadata) and HTTP status',
      labelNames,
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'tfserving_request_duration_seconds',
      help: 'REST request latency by model, method and HTTP status',
      labelNames,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    // TF Serving's own counter name, so dashboards built for it keep working.
    tfRequestCount: new Counter({
      name: ':tensorflow:serving:request_count',
      help: 'The total number of requests (TF Serving name).',
      labelNames: ['model_name', 'status'] as const,
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'tfserving_batch_size',
      help: 'Rows per executed batch (dynamic batching)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers: [registry],
    }),
    batchTasks: new Histogram({
      name: 'tfserving_batch_requests',
      help: 'Requests joined into each executed batch',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers: [registry],
    }),
    crossChecks: new Counter({
      name: 'tfserving_backend_cross_checks_total',
      help: 'Native-vs-WebAssembly cross-checks at model loads, by outcome (ok, mismatch, error, skipped)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    nativeFallback: new Gauge({
      name: 'tfserving_native_backend_fallback',
      help: '1 when the native backend failed a cross-check and the workers serve with WebAssembly',
      registers: [registry],
      collect() {
        this.set(nativeFallback() ? 1 : 0)
      },
    }),
    queueDepth: new Gauge({
      name: 'tfserving_batch_queue_depth',
      help: 'Requests waiting in the batcher',
      registers: [registry],
      collect() {
        this.set(queueDepth())
      },
    }),
  }
}
export type ServingMetrics = ReturnType<typeof createServingMetrics>
