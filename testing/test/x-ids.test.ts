import { expect, test } from 'bun:test'
import { createIdSource } from '../src/x-ids.ts'

const X_EPOCH_MS = 1288834974657

test('ids are X snowflakes: the time they were made is in their top bits', () => {
  const now = Date.UTC(2026, 11, 3, 12, 0, 0)
  const id = BigInt(createIdSource(now, 7)())
  expect(Number(id >> 22n) + X_EPOCH_MS).toBe(now)
  expect(Number((id >> 12n) & 1023n)).toBe(7)
})

test('never repeat: within a millisecond, past 4096 per millisecond, and across processes', () => {
  const now = Date.now()
  const a = createIdSource(now, 1)
  const b = createIdSource(now, 2)
  const ids = [...Array.from({ length: 10_000 }, a), ...Array.from({ length: 10_000 }, b)]
  expect(new Set(ids).size).toBe(ids.length)
  // Numeric strings that sort like X's: later ids are larger.
  expect(BigInt(ids[9_999]!) > BigInt(ids[0]!)).toBe(true)
})
