import { type MasterMetrics, METRIC } from './types.ts'

type Labels = Record<string, string>

const escapeLabel = (v: string) =>
  v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
const labelText = (labels: Labels) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`)
  return parts.length > 0 ? `{${parts.join(',')}}` : ''
}
const header = (m: { name: string; help: string }, type: string) =>
  `# HELP ${m.name} ${m.help}\n# TYPE ${m.name} ${type}\n`

const counter = () => {
  const values = new Map<string, { labels: Labels; value: number }>()
  return {
    inc(labels: Labels) {
      const key = labelText(labels)
      const entry = values.get(key)
      if (entry) entry.value++
      else values.set(key, { labels: { ...labels }, value: 1 })
    },
    text: (name: string) =>
      [...values.values()].map((e) => `${name}${labelText(e.labels)} ${e.value}\n`).join(''),
  }
}

const histogram = (buckets: readonly number[]) => {
  const series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>()
  return {
    observe(labels: Labels, seconds: number) {
      const key = labelText(labels)
      let s = series.get(key)
      if (!s) {
        s = { labels: { ...labels }, counts: buckets.map(() => 0), sum: 0, count: 0 }
        series.set(key, s)
      }
      for (let i = 0; i < buckets.length; i++)
        if (seconds <= (buckets[i] ?? 0)) s.counts[i] = (s.counts[i] ?? 0) + 1
      s.sum += seconds
      s.count++
    },
    text: (name: string) =>
      [...series.values()]
        .map((s) => {
          const lines = buckets.map(
            (le, i) =>
              `${name}_bucket${labelText({ ...s.labels, le: String(le) })} ${s.counts[i]}\n`,
          )
          lines.push(`${name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}\n`)
          lines.push(`${name}_sum${labelText(s.labels)} ${s.sum}\n`)
          lines.push(`${name}_count${labelText(s.labels)} ${s.count}\n`)
          return lines.join('')
        })
        .join(''),
  }
}

/**
 * The master's metrics with no dependencies, for edge runtimes (prom-client needs Node's
 * `cluster`, `v8`, …). Same names, labels and buckets as the prom-client version; counts live
 * in one isolate, so they describe that instance only.
 */
export const createInMemoryMasterMetrics = (): MasterMetrics => {
  const events = counter()
  const requestDuration = histogram(METRIC.requestDuration.buckets)
  const signatureFailures = counter()
  const bodyRefusals = counter()
  return {
    events,
    requestDuration,
    signatureFailures,
    bodyRefusals,
    render: async () =>
      new Response(
        header(METRIC.events, 'counter') +
          events.text(METRIC.events.name) +
          header(METRIC.requestDuration, 'histogram') +
          requestDuration.text(METRIC.requestDuration.name) +
          header(METRIC.signatureFailures, 'counter') +
          signatureFailures.text(METRIC.signatureFailures.name) +
          header(METRIC.bodyRefusals, 'counter') +
          bodyRefusals.text(METRIC.bodyRefusals.name),
        { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } },
      ),
  }
}
