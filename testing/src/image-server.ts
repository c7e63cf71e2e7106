import type { FakeXMedia } from './fake-x-api.ts'

/** One image file to serve: the same shape as the fake X API's media. */
export type ServedImage = FakeXMedia

export interface ImageServerOptions {
  hostname?: string
  port?: number
  /** Maps a request path to the path of a served file (e.g. drops X's `:large` suffix). */
  normalizePath?: (path: string) => string
  /** Extra routes answered before the files (a health check, an index). */
  extra?: (path: string) => Response | undefined
}

export interface ImageServer {
  url: string
  port: number
  /** GETs served per path (as normalised). */
  hits: Map<string, number>
  /** Adds or replaces a file. */
  set(path: string, image: ServedImage): void
  /** Delays every answer by this much (0: none), to play a slow media host. */
  setDelayMs(ms: number): void
  /** Most requests in flight at once since the last reset. */
  peakInFlight(): number
  resetPeak(): void
  stop(): Promise<void>
}

/**
 * A media host on loopback for the stack harness, the load test and the chaos suite: files from
 * memory by path (GET and HEAD), 404 for anything else, with counters and an optional delay.
 */
export const startImageServer = (
  initial: Record<string, ServedImage> = {},
  opts: ImageServerOptions = {},
): ImageServer => {
  const files = new Map(Object.entries(initial))
  const hits = new Map<string, number>()
  let delayMs = 0
  let inFlight = 0
  let peak = 0
  const answer = (req: Request): Response => {
    const raw = new URL(req.url).pathname
    const extra = opts.extra?.(raw)
    if (extra) return extra
    const path = opts.normalizePath ? opts.normalizePath(raw) : raw
    const file = files.get(path)
    if (!file || (req.method !== 'GET' && req.method !== 'HEAD'))
      return new Response('not found', { status: 404 })
    hits.set(path, (hits.get(path) ?? 0) + 1)
    return new Response(req.method === 'HEAD' ? null : file.body, {
      headers: {
        'content-type': file.contentType,
        'content-length': String(file.body.byteLength),
        'cache-control': 'max-age=604800',
      },
    })
  }
  const server = Bun.serve({
    hostname: opts.hostname ?? '127.0.0.1',
    port: opts.port ?? 0,
    idleTimeout: 60,
    fetch: async (req) => {
      inFlight++
      peak = Math.max(peak, inFlight)
      try {
        if (delayMs > 0) await Bun.sleep(delayMs)
        return answer(req)
      } finally {
        inFlight--
      }
    },
  })
  const port = server.port as number
  return {
    url: `http://${server.hostname}:${port}`,
    port,
    hits,
    set: (path, image) => {
      files.set(path, image)
    },
    setDelayMs: (ms) => {
      delayMs = ms
    },
    peakInFlight: () => peak,
    resetPeak: () => {
      peak = inFlight
    },
    stop: () => server.stop(true),
  }
}
