// The vegeta attack, done with autocannon where vegeta is not installed:
// `bun load_test/src/autocannon-attack.ts --targets out/targets.json --rate 10 --duration 180 --out out`
// Sends each target once, writes results.json (one record per request), report.json (vegeta's
// JSON report shape) and plot.html, and prints the report as `vegeta report` would.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import {
  type AttackRecord,
  formatReport,
  plotHtml,
  summarize,
  vegetaJsonReport,
} from './attack-report.ts'
import { readVegetaJson } from './targets.ts'

export interface AttackOptions {
  targets: ReturnType<typeof readVegetaJson>
  rate: number
  durationSec: number
  /** Per-request timeout, seconds (vegeta's default is 30). */
  timeoutSec?: number
}

/** Splits `total` into `parts` whole shares that differ by at most one. */
const shares = (total: number, parts: number) =>
  Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0))

/**
 * autocannon paces per connection and per second: a connection's share of a second leaves back
 * to back at the start of it. To come close to vegeta's even pacing, the rate is split over up
 * to 10 autocannon instances started 1/10 s apart, so requests leave in small bursts every
 * 100 ms instead of one burst per second. One shared cursor hands every built request the next
 * target, so each event id is sent once (autocannon builds exactly one request per send).
 */
export const attackWithAutocannon = async (opts: AttackOptions) => {
  const amount = Math.min(opts.targets.length, Math.round(opts.rate * opts.durationSec))
  if (amount < 1) throw new Error('nothing to send: rate × duration is 0 or there are no targets')
  if (!Number.isInteger(opts.rate))
    throw new Error('rate must be a whole number of requests per second')
  const urls = opts.targets.map((t) => new URL(t.url))
  const origin = urls[0]!.origin
  if (urls.some((u) => u.origin !== origin))
    throw new Error(
      'every target must have the same scheme://host:port (autocannon opens one origin)',
    )
  // Built once: setupRequest runs for every request sent.
  const requests = opts.targets.map((t, i) => ({
    method: t.method,
    path: urls[i]!.pathname + urls[i]!.search,
    headers: t.headers,
    body: t.body,
  }))
  const slots = Math.min(opts.rate, 10, amount)
  const rates = shares(opts.rate, slots)
  const amounts = shares(amount, slots)
  const timeoutSec = opts.timeoutSec ?? 30
  let cursor = 0
  const records: AttackRecord[] = []
  const setupRequest = (req: Record<string, unknown>) => ({
    ...req,
    ...requests[cursor++ % requests.length],
  })
  const runSlot = async (i: number) => {
    await Bun.sleep((i * 1000) / slots)
    const rate = rates[i]!
    const instance = autocannon({
      url: origin,
      connections: Math.min(amounts[i]!, Math.max(1, Math.ceil(rate / 25))),
      amount: amounts[i]!,
      overallRate: rate,
      timeout: timeoutSec,
      requests: [{ setupRequest }],
    })
    // autocannon reports only response times; the send time is recovered as now - latency.
    instance.on('response', (_c: unknown, status: number, bytes: number, latencyMs: number) => {
      records.push({ at: Date.now() - latencyMs, latencyMs, status, bytesIn: bytes, bytesOut: 0 })
    })
    instance.on('reqError', (err: Error) => {
      records.push({
        at: Date.now(),
        latencyMs: 0,
        status: 0,
        bytesIn: 0,
        bytesOut: 0,
        error: err.message,
      })
    })
    // A bound for when the target is down: autocannon would otherwise retry connecting forever.
    const bound = setTimeout(() => instance.stop(), (opts.durationSec * 2 + timeoutSec + 10) * 1000)
    await new Promise<void>((done) => instance.on('done', () => done()))
    clearTimeout(bound)
  }
  await Promise.all(rates.map((_, i) => runSlot(i)))
  const bodyBytes = opts.targets.slice(0, amount).map((t) => Buffer.byteLength(t.body))
  records.sort((a, b) => a.at - b.at)
  records.forEach((r, i) => {
    r.bytesOut = bodyBytes[i] ?? 0
  })
  return { records, summary: summarize(records), slots, amount }
}

const main = async () => {
  const { values } = parseArgs({
    args: Bun.argv.slice(2),
    options: {
      targets: { type: 'string', default: 'load_test/out/targets.json' },
      rate: { type: 'string', default: '10' },
      duration: { type: 'string', default: '180' },
      out: { type: 'string', default: 'load_test/out' },
      title: { type: 'string' },
    },
  })
  const rate = Number(values.rate)
  const durationSec = Number(values.duration)
  if (!(rate > 0) || !(durationSec > 0)) throw new Error('--rate and --duration must be > 0')
  const targets = readVegetaJson(readFileSync(values.targets, 'utf8'))
  console.info(
    `autocannon: ${Math.min(targets.length, Math.round(rate * durationSec))} requests at ${rate}/s to ${targets[0]?.url}`,
  )
  const startMs = Date.now()
  const { records, summary } = await attackWithAutocannon({ targets, rate, durationSec })
  const out = resolve(values.out)
  mkdirSync(out, { recursive: true })
  writeFileSync(
    resolve(out, 'results.json'),
    `${records.map((r) => JSON.stringify(r)).join('\n')}\n`,
  )
  writeFileSync(
    resolve(out, 'report.json'),
    JSON.stringify(vegetaJsonReport(summary, startMs), null, 2),
  )
  const title = values.title ?? `tf-tweetbot load test: ${rate}/s for ${durationSec}s (autocannon)`
  writeFileSync(resolve(out, 'plot.html'), plotHtml(records, summary, title))
  console.info(formatReport(summary))
  console.info(
    `results: ${resolve(out, 'results.json')}  report: ${resolve(out, 'report.json')}  plot: ${resolve(out, 'plot.html')}`,
  )
}

if (import.meta.main)
  main().catch((err: unknown) => {
    console.error(String(err))
    process.exit(1)
  })
