import { describe, expect, test } from 'bun:test'
import { readStreamAtMost, readStreamWithin } from '../src/read-stream.ts'

/** A stream of the given chunks that records whether it was cancelled and how far it was read. */
const chunked = (chunks: number[]) => {
  const seen = { pulled: 0, cancelled: false }
  let i = 0
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const size = chunks[i++]
      if (size === undefined) return controller.close()
      seen.pulled++
      controller.enqueue(new Uint8Array(size).fill(i))
    },
    cancel() {
      seen.cancelled = true
    },
  })
  return { stream, seen }
}

test('joins the chunks in order when they fit, the limit included', async () => {
  const { stream } = chunked([2, 3, 1])
  expect(Array.from((await readStreamAtMost(stream, 6)) ?? [])).toEqual([1, 1, 2, 2, 2, 3])
  const one = chunked([4])
  expect((await readStreamAtMost(one.stream, 4))?.length).toBe(4)
  expect((await readStreamAtMost(chunked([]).stream, 0))?.length).toBe(0)
})

test('past the limit it cancels the stream without reading the rest', async () => {
  const { stream, seen } = chunked([4, 4, 4, 4])
  expect(await readStreamAtMost(stream, 7)).toBeUndefined()
  expect(seen.cancelled).toBe(true)
  expect(seen.pulled).toBeLessThan(4)
})

test('a read error reaches the caller', async () => {
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.error(new Error('connection reset'))
    },
  })
  await expect(readStreamAtMost(stream, 10)).rejects.toThrow('connection reset')
})

describe('readStreamWithin', () => {
  test('reads a whole stream that fits; the limit included', async () => {
    const result = await readStreamWithin(chunked([2, 3, 1]).stream, { maxBytes: 6 })
    expect(result.ok && Array.from(result.bytes)).toEqual([1, 1, 2, 2, 2, 3])
  })

  test('past the limit: too_large, cancelled, the rest never read', async () => {
    const { stream, seen } = chunked([4, 4, 4, 4])
    expect(await readStreamWithin(stream, { maxBytes: 7 })).toEqual({
      ok: false,
      reason: 'too_large',
      bytesRead: 4,
    })
    expect(seen.cancelled).toBe(true)
    expect(seen.pulled).toBeLessThan(4)
  })

  test('admit asked per chunk; a refusal ends the read as refused and cancels', async () => {
    const { stream, seen } = chunked([3, 3, 3])
    const asked: number[] = []
    const result = await readStreamWithin(stream, {
      maxBytes: 100,
      admit: (n) => {
        asked.push(n)
        return asked.length < 2
      },
    })
    expect(result).toEqual({ ok: false, reason: 'refused', bytesRead: 3 })
    expect(asked).toEqual([3, 3])
    expect(seen.cancelled).toBe(true)
  })

  test('a stream that stalls ends as timeout when the signal aborts, and is cancelled', async () => {
    let cancelled = false
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(5))
      },
      cancel() {
        cancelled = true
      },
    })
    const t = performance.now()
    const result = await readStreamWithin(stream, {
      maxBytes: 100,
      signal: AbortSignal.timeout(100),
    })
    expect(result).toEqual({ ok: false, reason: 'timeout', bytesRead: 5 })
    expect(performance.now() - t).toBeGreaterThanOrEqual(90)
    expect(cancelled).toBe(true)
  })

  test('a read error (the client went away) is aborted, not thrown', async () => {
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error('connection reset'))
      },
    })
    expect(await readStreamWithin(stream, { maxBytes: 10 })).toEqual({
      ok: false,
      reason: 'aborted',
      bytesRead: 0,
      error: new Error('connection reset'),
    })
  })
})
