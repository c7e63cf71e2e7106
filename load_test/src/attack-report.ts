/** One request of an attack, as vegeta records it (times in ms since the epoch / ms). */
export interface AttackRecord {
  /** When the request was sent. */
  at: number
  latencyMs: number
  /** HTTP status; 0 when no response (connection error, timeout). */
  status: number
  bytesIn: number
  bytesOut: number
  error?: string
}

export interface AttackSummary {
  requests: number
  /** Requests per second sent during the attack. */
  rate: number
  /** Successful (2xx) responses per second over attack + wait. */
  throughput: number
  /** First send to last send, ms. */
  attackMs: number
  /** Last send to its answer, ms. */
  waitMs: number
  latencies: {
    min: number
    mean: number
    p50: number
    p90: number
    p95: number
    p99: number
    max: number
  }
  bytesIn: { total: number; mean: number }
  bytesOut: { total: number; mean: number }
  /** 2xx / requests. */
  success: number
  succeeded: number
  statusCodes: Record<string, number>
  errors: string[]
}

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: number[], p: number) =>
  sorted.length === 0
    ? 0
    : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!

const ok = (status: number) => status >= 200 && status < 300

/** vegeta's `report` figures, computed from per-request records. */
export const summarize = (records: AttackRecord[]): AttackSummary => {
  const sorted = [...records].sort((a, b) => a.at - b.at)
  const first = sorted[0]
  const last = sorted.at(-1)
  const attackMs = first && last ? last.at - first.at : 0
  const waitMs = last ? last.latencyMs : 0
  const lat = records.map((r) => r.latencyMs).sort((a, b) => a - b)
  const succeeded = records.filter((r) => ok(r.status)).length
  const statusCodes: Record<string, number> = {}
  for (const r of records) statusCodes[String(r.status)] = (statusCodes[String(r.status)] ?? 0) + 1
  const n = records.length
  const sum = (f: (r: AttackRecord) => number) => records.reduce((a, r) => a + f(r), 0)
  return {
    requests: n,
    rate: attackMs > 0 ? ((n - 1) * 1000) / attackMs : n,
    throughput: attackMs + waitMs > 0 ? (succeeded * 1000) / (attackMs + waitMs) : succeeded,
    attackMs,
    waitMs,
    latencies: {
      min: lat[0] ?? 0,
      mean: n > 0 ? sum((r) => r.latencyMs) / n : 0,
      p50: percentile(lat, 50),
      p90: percentile(lat, 90),
      p95: percentile(lat, 95),
      p99: percentile(lat, 99),
      max: lat.at(-1) ?? 0,
    },
    bytesIn: { total: sum((r) => r.bytesIn), mean: n > 0 ? sum((r) => r.bytesIn) / n : 0 },
    bytesOut: { total: sum((r) => r.bytesOut), mean: n > 0 ? sum((r) => r.bytesOut) / n : 0 },
    success: n > 0 ? succeeded / n : 0,
    succeeded,
    statusCodes,
    errors: [...new Set(records.flatMap((r) => (r.error ? [r.error] : [])))],
  }
}

/** A duration the way vegeta prints Go durations (1.234ms, 2.5s). */
export const fmtDuration = (ms: number) => {
  if (ms >= 1000) return `${(ms / 1000).toFixed(3)}s`
  if (ms >= 1) return `${ms.toFixed(3)}ms`
  return `${(ms * 1000).toFixed(3)}µs`
}

/** The text `vegeta report` prints, for the same figures. */
export const formatReport = (s: AttackSummary) => {
  const l = s.latencies
  const row = (label: string, value: string) => `${label.padEnd(48)}${value}`
  return [
    row(
      'Requests      [total, rate, throughput]',
      `${s.requests}, ${s.rate.toFixed(2)}, ${s.throughput.toFixed(2)}`,
    ),
    row(
      'Duration      [total, attack, wait]',
      `${fmtDuration(s.attackMs + s.waitMs)}, ${fmtDuration(s.attackMs)}, ${fmtDuration(s.waitMs)}`,
    ),
    row(
      'Latencies     [min, mean, 50, 90, 95, 99, max]',
      [l.min, l.mean, l.p50, l.p90, l.p95, l.p99, l.max].map(fmtDuration).join(', '),
    ),
    row('Bytes In      [total, mean]', `${s.bytesIn.total}, ${s.bytesIn.mean.toFixed(2)}`),
    row('Bytes Out     [total, mean]', `${s.bytesOut.total}, ${s.bytesOut.mean.toFixed(2)}`),
    row('Success       [ratio]', `${(s.success * 100).toFixed(2)}%`),
    row(
      'Status Codes  [code:count]',
      Object.entries(s.statusCodes)
        .map(([c, n]) => `${c}:${n}`)
        .join('  '),
    ),
    'Error Set:',
    ...s.errors,
  ].join('\n')
}

const NS = 1e6
/** `vegeta report -type=json` shape (durations in ns), so scripts read either tool's report alike. */
export const vegetaJsonReport = (s: AttackSummary, startMs: number) => ({
  latencies: {
    total: Math.round(s.latencies.mean * s.requests * NS),
    mean: Math.round(s.latencies.mean * NS),
    '50th': Math.round(s.latencies.p50 * NS),
    '90th': Math.round(s.latencies.p90 * NS),
    '95th': Math.round(s.latencies.p95 * NS),
    '99th': Math.round(s.latencies.p99 * NS),
    max: Math.round(s.latencies.max * NS),
    min: Math.round(s.latencies.min * NS),
  },
  bytes_in: s.bytesIn,
  bytes_out: s.bytesOut,
  earliest: new Date(startMs).toISOString(),
  latest: new Date(startMs + s.attackMs).toISOString(),
  end: new Date(startMs + s.attackMs + s.waitMs).toISOString(),
  duration: Math.round(s.attackMs * NS),
  wait: Math.round(s.waitMs * NS),
  requests: s.requests,
  rate: s.rate,
  throughput: s.throughput,
  success: s.success,
  status_codes: s.statusCodes,
  errors: s.errors,
})

/** Requests that got a 2xx, from either tool's JSON report. */
export const succeededFromReport = (report: { status_codes?: Record<string, number> }) =>
  Object.entries(report.status_codes ?? {})
    .filter(([code]) => ok(Number(code)))
    .reduce((a, [, n]) => a + n, 0)

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)

/**
 * A self-contained HTML page like `vegeta plot`: latency of every request over the attack's
 * time, successes and errors in two colours, plus the report. Plain SVG, no scripts, so it
 * opens offline.
 */
export const plotHtml = (records: AttackRecord[], s: AttackSummary, title: string) => {
  const W = 960
  const H = 420
  const pad = { l: 70, r: 20, t: 20, b: 45 }
  const t0 = records.reduce((m, r) => Math.min(m, r.at), Number.POSITIVE_INFINITY)
  const xs = records.map((r) => (r.at - t0) / 1000)
  const xMax = xs.reduce((m, x) => Math.max(m, x), 1)
  const yMax = Math.max(1, s.latencies.max) * 1.05
  const px = (x: number) => pad.l + (x / xMax) * (W - pad.l - pad.r)
  const py = (y: number) => H - pad.b - (y / yMax) * (H - pad.t - pad.b)
  const ticks = (max: number) => Array.from({ length: 6 }, (_, i) => (max * i) / 5)
  const points = records
    .map((r, i) => {
      const colour = ok(r.status) ? '#1f77b4' : '#d62728'
      return `<circle cx="${px(xs[i]!).toFixed(1)}" cy="${py(r.latencyMs).toFixed(1)}" r="2" fill="${colour}"><title>${r.status} ${r.latencyMs.toFixed(2)} ms</title></circle>`
    })
    .join('')
  const axes = [
    ...ticks(xMax).map(
      (x) =>
        `<line x1="${px(x)}" y1="${H - pad.b}" x2="${px(x)}" y2="${pad.t}" stroke="#eee"/><text x="${px(x)}" y="${H - pad.b + 16}" text-anchor="middle">${x.toFixed(1)}</text>`,
    ),
    ...ticks(yMax).map(
      (y) =>
        `<line x1="${pad.l}" y1="${py(y)}" x2="${W - pad.r}" y2="${py(y)}" stroke="#eee"/><text x="${pad.l - 6}" y="${py(y) + 4}" text-anchor="end">${y.toFixed(y < 10 ? 1 : 0)}</text>`,
    ),
    `<text x="${(W + pad.l) / 2}" y="${H - 8}" text-anchor="middle">seconds since start</text>`,
    `<text x="16" y="${H / 2}" transform="rotate(-90 16 ${H / 2})" text-anchor="middle">latency (ms)</text>`,
  ].join('')
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font:14px sans-serif;margin:24px}svg text{font-size:11px;fill:#444}pre{background:#f6f6f6;padding:12px}</style>
</head><body>
<h1>${esc(title)}</h1>
<p><span style="color:#1f77b4">&#9679;</span> 2xx (${s.succeeded}) &nbsp; <span style="color:#d62728">&#9679;</span> errors / non-2xx (${s.requests - s.succeeded})</p>
<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${axes}${points}</svg>
<pre>${esc(formatReport(s))}</pre>
</body></html>
`
}
