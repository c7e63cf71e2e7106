import { metricsResponse, type Registry } from '@tweetbot/common/metrics'
import { Hono } from 'hono'

export interface WorkerAppDeps {
  registry: Registry
  /** Ready = the model input is known, Redis answers and the consumer is taking jobs. */
  readiness: () => Promise<Record<string, boolean>>
  /** Shown on /readyz so tooling (load_test/vegeta_attack.sh) can refuse to attack a live bot. */
  loadTestingMode: boolean
}

/** The worker's small HTTP side: liveness, readiness and Prometheus metrics. */
export const createWorkerApp = (deps: WorkerAppDeps) => {
  const app = new Hono()
  app.get('/healthz', (c) => c.json({ ok: true }))
  app.get('/readyz', async (c) => {
    const checks = await deps.readiness()
    const ready = Object.values(checks).every(Boolean)
    return c.json({ ready, loadTestingMode: deps.loadTestingMode, checks }, ready ? 200 : 503)
  })
  app.get('/metrics', () => metricsResponse(deps.registry))
  return app
}
