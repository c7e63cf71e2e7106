import { readFileSync } from 'node:fs'

const RSS = /VmRSS:\s+(\d+)/
const HWM = /VmHWM:\s+(\d+)/

/**
 * Resident memory of a process from /proc/<pid>/status, in MiB: `rss` now and `hwm`, the
 * kernel's own high-water mark (so no peak is missed between samples). `self` is this process.
 */
export const memoryMiB = (pid: number | 'self'): { rss: number; hwm: number } => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const mib = (field: RegExp) => Number(field.exec(status)?.[1] ?? 0) / 1024
  return { rss: mib(RSS), hwm: mib(HWM) }
}
