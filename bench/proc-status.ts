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

/** USER_HZ: the clock ticks per second that /proc/<pid>/stat counts CPU time in, on Linux. */
const TICKS_PER_SECOND = 100

/** CPU seconds (user + system, all its threads) a process has used so far, from /proc/<pid>/stat. */
export const cpuSeconds = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The fields after the command name, which is in parentheses: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
}
