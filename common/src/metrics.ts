import { collectDefaultMetrics, Registry } from 'prom-client'

/** One registry per service (never prom-client's global one), so tests can run several in one process. */
export const createMetricsRegistry = (service: string, opts: { defaults?: boolean } = {}) => {
  const registry = new Registry()
  registry.setDefaultLabels({ service })
  if (opts.defaults ?? true) collectDefaultMetrics({ register: registry })
  return registry
}

/** The Prometheus text response for `GET /metrics`. */
export const metricsResponse = async (registry: Registry) =>
  new Response(await registry.metrics(), { headers: { 'content-type': registry.contentType } })

export type { Registry } from 'prom-client'
