/** The chunks as one array (the only chunk itself when there is one). */
const concat = (chunks: Uint8Array[], total: number): Uint8Array => {
  if (chunks.length === 1 && chunks[0]) return chunks[0]
  const bytes = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

/** Why `readStreamWithin` stopped before the end of the stream. */
export type StreamReadStop = 'too_large' | 'refused' | 'timeout' | 'aborted'

export type StreamReadResult =
  | { ok: true; bytes: Uint8Array }
  /** `error`: what the read threw, when `aborted`. */
  | { ok: false; reason: StreamReadStop; bytesRead: number; error?: unknown }

export interface ReadWithinOptions {
  maxBytes: number
  /** The deadline: when it aborts, the stream is cancelled and the read ends as `timeout`. */
  signal?: AbortSignal
  /** Asked before each chunk is kept; false cancels the stream and ends the read as `refused`. */
  admit?: (chunkBytes: number) => boolean
}

/**
 * Reads a byte stream whole, at most `maxBytes` of it, and never throws: it also stops on a
 * deadline (`signal`) or when `admit` refuses a chunk, and the result says why, so a server can
 * answer 413, 503, 408 or 499 instead of treating a client that went away as its own failure.
 * The stream is cancelled whenever the read stops early. Web-standard APIs only.
 */
export const readStreamWithin = async (
  stream: ReadableStream<Uint8Array>,
  opts: ReadWithinOptions,
): Promise<StreamReadResult> => {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  const stop = (reason: StreamReadStop, error?: unknown): StreamReadResult => {
    reader.cancel().catch(() => {})
    return { ok: false, reason, bytesRead: total, ...(error === undefined ? {} : { error }) }
  }
  // Cancelling ends a pending read (done, or an error), so a stalled sender cannot outlive it.
  const onDeadline = () => void reader.cancel().catch(() => {})
  opts.signal?.addEventListener('abort', onDeadline, { once: true })
  try {
    if (opts.signal?.aborted) return stop('timeout')
    for (;;) {
      let next: Awaited<ReturnType<typeof reader.read>>
      try {
        next = await reader.read()
      } catch (err) {
        return opts.signal?.aborted ? stop('timeout') : stop('aborted', err)
      }
      if (opts.signal?.aborted) return stop('timeout')
      if (next.done) break
      const chunk = next.value
      if (total + chunk.byteLength > opts.maxBytes) return stop('too_large')
      if (opts.admit && !opts.admit(chunk.byteLength)) return stop('refused')
      total += chunk.byteLength
      chunks.push(chunk)
    }
  } finally {
    opts.signal?.removeEventListener('abort', onDeadline)
  }
  return { ok: true, bytes: concat(chunks, total) }
}

/**
 * Reads a byte stream whole, but never more than `maxBytes`: at the first chunk past the limit
 * it cancels the stream (the rest is never read) and returns undefined. Web-standard APIs only,
 * so edge runtimes can use it; read errors propagate to the caller. `readStreamWithin`'s read,
 * with only the limit.
 */
export const readStreamAtMost = async (
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array | undefined> => {
  const read = await readStreamWithin(stream, { maxBytes })
  if (read.ok) return read.bytes
  if (read.reason === 'aborted') throw read.error
  return undefined
}
