import { describe, expect, test } from 'bun:test'
import { renderDeployment } from '../src/deployment.ts'
import { ofKind, spec } from '../src/k8s.ts'
import { at, envOf, find, mainContainer } from './helpers.ts'
import { SCENARIOS } from './scenarios.ts'

// /metrics (process start time, counters) must never be reachable through the public Route:
// the master and the workers serve it on METRICS_PORT, a container port no Service or Route
// carries, and Prometheus scrapes the pods there (pod annotations).
describe('metrics port (rendered offline)', () => {
  for (const [scenario, settings] of Object.entries(SCENARIOS)) {
    const objects = renderDeployment(settings)
    for (const component of ['master', 'chat-worker', 'tweet-worker']) {
      test(`${scenario}: ${component} scrapes METRICS_PORT, a port of its own`, () => {
        const d = find(objects, 'Deployment', component)
        const c = mainContainer(d)
        const port = Number(envOf(c, 'METRICS_PORT')?.value)
        expect(port).toBeGreaterThan(0)
        expect(Number(envOf(c, 'PORT')?.value)).not.toBe(port)
        expect(c.ports?.find((p) => p.name === 'metrics')?.containerPort).toBe(port)
        const annotations = at<Record<string, string>>(d, 'spec.template.metadata.annotations')
        expect(annotations['prometheus.io/port']).toBe(String(port))
        expect(annotations['prometheus.io/path']).toBe('/metrics')
        // Probes stay on the serving port.
        expect(c.readinessProbe?.httpGet?.port).toBe('http')
      })
    }

    test(`${scenario}: the Route and every Service leave the metrics ports out`, () => {
      const route = find(objects, 'Route', 'master')
      expect(at(route, 'spec.port.targetPort')).toBe('http')
      const metricsPorts = new Set([9090, 9091, 'metrics'])
      for (const svc of ofKind(objects, 'Service'))
        for (const p of spec<{ ports: { port: number; targetPort?: number | string }[] }>(svc)
          .ports)
          expect([svc.metadata.name, metricsPorts.has(p.targetPort ?? p.port)]).toEqual([
            svc.metadata.name,
            false,
          ])
    })
  }
})
