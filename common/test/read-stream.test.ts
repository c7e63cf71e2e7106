import { expect, test } from 'bun:test'
import { readStreamAtMost } from '../src/read-stream.ts'

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
