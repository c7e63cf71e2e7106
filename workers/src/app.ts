import { Hono } from 'hono'

export interface WorkerAppDeps {
  /** Ready = the model input is known, Redis answers and the consumer is taking jobs. */
  readiness: () => Promise<Record<string, boolean>>
  /** Shown on /readyz so tooling (load_test/vegeta_attack.sh) can refuse to attack a live bot. */
  loadTestingMode: boolean
}

/**
 * The worker's probe port: liveness and readiness. Prometheus metrics have a port of their own
 * (METRICS_PORT, `metricsOnlyFetch` in worker.ts), like the master's.
 */
export const createWorkerApp = (deps: WorkerAppDeps) => {
  const app = new Hono()
  app.get('/healthz', (c) => c.json({ ok: true }))
  app.get('/readyz', async (c) => {
    const checks = await deps.readiness()
    const ready = Object.values(checks).every(Boolean)
    return c.json({ ready, loadTestingMode: deps.loadTestingMode, checks }, ready ? 200 : 503)
  })
  return app
}
