import { expect, test } from 'bun:test'
import {
  type AttackRecord,
  formatReport,
  plotHtml,
  succeededFromReport,
  summarize,
  vegetaJsonReport,
} from '../src/attack-report.ts'

const rec = (at: number, latencyMs: number, status = 200): AttackRecord => ({
  at,
  latencyMs,
  status,
  bytesIn: 10,
  bytesOut: 100,
})

// 10 requests, one every 100 ms, latencies 1..10 ms; the last one a 503.
const records = Array.from({ length: 10 }, (_, i) =>
  rec(1_000 + i * 100, i + 1, i === 9 ? 503 : 200),
)

test('summarize computes the figures vegeta report prints', () => {
  const s = summarize(records)
  expect(s.requests).toBe(10)
  expect(s.attackMs).toBe(900)
  expect(s.waitMs).toBe(10)
  expect(s.rate).toBeCloseTo(10, 5)
  expect(s.throughput).toBeCloseTo((9 * 1000) / 910, 5)
  expect(s.latencies).toEqual({ min: 1, mean: 5.5, p50: 5, p90: 9, p95: 10, p99: 10, max: 10 })
  expect(s.success).toBeCloseTo(0.9, 5)
  expect(s.succeeded).toBe(9)
  expect(s.statusCodes).toEqual({ '200': 9, '503': 1 })
  expect(s.bytesOut).toEqual({ total: 1000, mean: 100 })
})

test('connection errors count as failures with status 0 and land in the error set', () => {
  const s = summarize([
    ...records,
    { at: 2_100, latencyMs: 0, status: 0, bytesIn: 0, bytesOut: 0, error: 'ECONNREFUSED' },
  ])
  expect(s.statusCodes['0']).toBe(1)
  expect(s.errors).toEqual(['ECONNREFUSED'])
  expect(formatReport(s)).toContain('Error Set:\nECONNREFUSED')
})

test('the text report has vegeta report rows', () => {
  const text = formatReport(summarize(records))
  expect(text).toContain('Requests      [total, rate, throughput]         10, 10.00, 9.89')
  expect(text).toContain(
    'Latencies     [min, mean, 50, 90, 95, 99, max]  1.000ms, 5.500ms, 5.000ms, 9.000ms, 10.000ms, 10.000ms, 10.000ms',
  )
  expect(text).toContain('Success       [ratio]                           90.00%')
  expect(text).toContain('Status Codes  [code:count]                      200:9  503:1')
})

test('the JSON report has vegeta -type=json fields, and succeeded counts only 2xx', () => {
  const json = vegetaJsonReport(summarize(records), 1_000)
  expect(json.latencies['99th']).toBe(10_000_000)
  expect(json.requests).toBe(10)
  expect(json.status_codes).toEqual({ '200': 9, '503': 1 })
  expect(succeededFromReport(json)).toBe(9)
  expect(succeededFromReport({ status_codes: { '200': 3, '201': 1, '0': 2, '401': 1 } })).toBe(4)
})

test('the plot is a self-contained page with one point per request', () => {
  const html = plotHtml(records, summarize(records), 'test <plot>')
  expect(html).toContain('<title>test &#60;plot&#62;</title>')
  expect(html.match(/<circle /g)).toHaveLength(10)
  expect(html.match(/fill="#d62728"/g)).toHaveLength(1)
  expect(html).not.toContain('<script')
})
