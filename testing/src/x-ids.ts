/**
 * X-style ids for generated events: snowflakes (milliseconds since X's epoch << 22, then 10
 * bits of process id, then a 12-bit sequence), so they look like X's, sort by time, and never
 * repeat across runs or between processes generating at once. The master dedupes event ids for
 * days: a second load test with the same ids would only measure the dedupe path.
 */
const X_EPOCH_MS = 1288834974657n

export const createIdSource = (nowMs: number = Date.now(), pid: number = process.pid) => {
  let ms = BigInt(nowMs) - X_EPOCH_MS
  const worker = BigInt(pid % 1024) << 12n
  let seq = 0n
  return (): string => {
    if (seq === 4096n) {
      // A 4,097th id in the same millisecond borrows the next one, as X's generators do.
      ms += 1n
      seq = 0n
    }
    const id = (ms << 22n) | worker | seq
    seq += 1n
    return id.toString()
  }
}

/** The process's own id source: a fresh, unique, numeric X-style id per call. */
export const nextXId = createIdSource()
