/** One sample of the Prometheus text exposition format. */
export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

/** Parses `/metrics` text; comments and malformed lines are skipped. */
export const parsePrometheusText = (text: string): Sample[] => {
  const samples: Sample[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const m = LINE.exec(line)
    if (!m) continue
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(LABEL))
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
    const value = Number(m[3])
    if (!Number.isNaN(value)) samples.push({ name: m[1]!, labels, value })
  }
  return samples
}

/** Sum of the samples named `name` whose labels include `match`. */
export const sumSamples = (
  samples: Sample[],
  name: string,
  match: (labels: Record<string, string>) => boolean = () => true,
) => samples.filter((s) => s.name === name && match(s.labels)).reduce((a, s) => a + s.value, 0)
