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

/**
 * The whole HTTP side of a metrics port (METRICS_PORT): `GET /metrics` and nothing else. A port
 * of its own keeps Prometheus text (process start time, counters) off any port a Route exposes.
 */
export const metricsOnlyFetch =
  (render: () => Promise<Response>) =>
  (req: Request): Promise<Response> | Response => {
    if (new URL(req.url).pathname === '/metrics' && req.method === 'GET') return render()
    return new Response('not found: this port serves GET /metrics only\n', { status: 404 })
  }
