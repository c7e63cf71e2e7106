import type { Accounting } from './accounting.ts'
import type { Check } from './scenarios.ts'

/** One scenario's figures, as printed and stored in the JSON results. */
export interface ScenarioResult {
  id: number
  name: string
  title: string
  accounting: Accounting
  /** Master answers to the good deliveries, by status. */
  answers: Record<string, number>
  /** 2× the governing timeout. */
  budgetMs: number
  governing: string
  faultMs: number
  notes: string[]
  checks: Check[]
  error?: string
}

/** Why a scenario missed its targets (empty: it met them). */
export const failures = (r: ScenarioResult): string[] => {
  const a = r.accounting
  const out: string[] = []
  if (r.error) out.push(`error: ${r.error}`)
  if (a.lost > 0) out.push(`${a.lost} lost`)
  if (a.duplicated > a.duplicatedInWindow)
    out.push(`${a.duplicated - a.duplicatedInWindow} duplicated outside the documented window`)
  if (a.buriedUnexpected > 0) out.push(`${a.buriedUnexpected} buried unexpectedly`)
  if (a.givenUp > 0) out.push(`${a.givenUp} deliveries given up by X`)
  const bad5xx = Object.entries(r.answers).filter(([s]) => /^5\d\d$/.test(s) && s !== '503')
  if (bad5xx.length > 0)
    out.push(`master answered ${bad5xx.map(([s, n]) => `${s}×${n}`).join(' ')}`)
  if (a.recoveryMs === undefined) out.push('did not recover')
  else if (a.recoveryMs > r.budgetMs) out.push(`recovery ${a.recoveryMs} ms > ${r.budgetMs} ms`)
  for (const c of r.checks) if (!c.ok) out.push(`${c.name}: ${c.detail ?? 'failed'}`)
  return out
}

const s = (ms: number | undefined) => (ms === undefined ? '—' : (ms / 1000).toFixed(1))

/** The results as a Markdown table (it reads fine in a terminal too), then details per scenario. */
export const formatReport = (results: readonly ScenarioResult[]): string => {
  const head =
    '| # | scenario | sent | accepted | replied | lost | duplicated (in window) | buried (unexpected) | in doubt | given up | recovery s (target ≤) | reply p50 / p99 s | result |'
  const rule = `|${head
    .split('|')
    .slice(1, -1)
    .map(() => '---')
    .join('|')}|`
  const rows = results.map((r) => {
    const a = r.accounting
    const ok = failures(r).length === 0
    return `| ${r.id} | ${r.title} | ${a.sent} | ${a.accepted} | ${a.replied} | ${a.lost} | ${a.duplicated} (${a.duplicatedInWindow}) | ${a.buried} (${a.buriedUnexpected}) | ${a.inDoubt} | ${a.givenUp} | ${s(a.recoveryMs)} (${s(r.budgetMs)}) | ${s(a.latencyP50Ms)} / ${s(a.latencyP99Ms)} | ${ok ? 'PASS' : 'FAIL'} |`
  })
  const details = results.map((r) => {
    const a = r.accounting
    const lines = [
      `${r.id}. ${r.name} — fault on for ${s(r.faultMs)} s; recovery target 2 × ${r.governing}`,
    ]
    lines.push(
      `   master answers to good deliveries: ${Object.entries(r.answers)
        .map(([k, n]) => `${k}×${n}`)
        .join(' ')}`,
    )
    for (const n of r.notes) lines.push(`   ${n}`)
    for (const [reason, n] of Object.entries(a.buriedReasons))
      lines.push(`   buried ${n}× — ${reason}`)
    for (const c of r.checks)
      lines.push(`   [${c.ok ? 'ok' : 'FAIL'}] ${c.name}: ${c.detail ?? ''}`)
    if (a.lostIds.length > 0) lines.push(`   lost event ids: ${a.lostIds.slice(0, 10).join(', ')}`)
    const why = failures(r)
    if (why.length > 0) lines.push(`   FAIL: ${why.join('; ')}`)
    return lines.join('\n')
  })
  return [head, rule, ...rows, '', ...details].join('\n')
}
