import { makePhoto } from '@tweetbot/testing/images'

/**
 * The image host the chaos suite points events at (allow-listed for the workers). Unlike the
 * stack's own image server it can turn slow, and it counts how many downloads run at once, which
 * is how the suite checks that the workers' bounded concurrency holds while the host stalls.
 * Any path outside `/img/` answers 404 (events made to fail point there).
 */
export interface ChaosMediaServer {
  url: string
  port: number
  /** `http://127.0.0.1:<port>/img/<n>.jpg` for a photo, `/gone/<tag>.jpg` for a 404. */
  photoUrl(n: number): string
  missingUrl(tag: string): string
  /** Delay every answer by this much (0: none). */
  setDelayMs(ms: number): void
  /** Highest number of requests in flight at once since the last reset. */
  peakInFlight(): number
  resetPeak(): void
  stop(): void
}

export const startChaosMediaServer = async (photos = 6): Promise<ChaosMediaServer> => {
  const images = await Promise.all(
    Array.from({ length: photos }, (_, i) => makePhoto(i + 1, 480, 360)),
  )
  let delayMs = 0
  let inFlight = 0
  let peak = 0
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 60,
    fetch: async (req) => {
      inFlight++
      peak = Math.max(peak, inFlight)
      try {
        if (delayMs > 0) await Bun.sleep(delayMs)
        const m = /^\/img\/(\d+)\.jpg$/.exec(new URL(req.url).pathname)
        const body = m ? images[Number(m[1]) % images.length] : undefined
        if (!body) return new Response('not found', { status: 404 })
        return new Response(body as Uint8Array<ArrayBuffer>, {
          headers: { 'content-type': 'image/jpeg' },
        })
      } finally {
        inFlight--
      }
    },
  })
  const url = `http://127.0.0.1:${server.port}`
  return {
    url,
    port: server.port as number,
    photoUrl: (n) => `${url}/img/${n % photos}.jpg`,
    missingUrl: (tag) => `${url}/gone/${tag}.jpg`,
    setDelayMs: (ms) => {
      delayMs = ms
    },
    peakInFlight: () => peak,
    resetPeak: () => {
      peak = inFlight
    },
    stop: () => void server.stop(true),
  }
}
