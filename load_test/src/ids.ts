/**
 * Snowflake-shaped ids (milliseconds since X's epoch << 22 | sequence), so generated DM and tweet
 * ids look like X's and never repeat across runs: the master dedupes event ids for a day or more,
 * and a second attack with the same ids would only measure the dedupe path.
 */
const X_EPOCH_MS = 1288834974657n

export const createIdSource = (nowMs: number = Date.now()) => {
  const base = (BigInt(nowMs) - X_EPOCH_MS) << 22n
  let seq = 0n
  return (): string => {
    const id = base + seq
    seq += 1n
    return id.toString()
  }
}
