import { startImageServer } from '@tweetbot/testing/image-server'
import { makePhoto } from '@tweetbot/testing/images'

/**
 * The image host the chaos suite points events at (allow-listed for the workers): testing's
 * image server with a few photos under `/img/`. Its delay plays the stalling host, and its count
 * of downloads in flight is how the suite checks that the workers' bounded concurrency holds.
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
  const server = startImageServer(
    Object.fromEntries(
      images.map((body, i) => [
        `/img/${i}.jpg`,
        { body: body as Uint8Array<ArrayBuffer>, contentType: 'image/jpeg' },
      ]),
    ),
  )
  return {
    url: server.url,
    port: server.port,
    photoUrl: (n) => `${server.url}/img/${n % photos}.jpg`,
    missingUrl: (tag) => `${server.url}/gone/${tag}.jpg`,
    setDelayMs: server.setDelayMs,
    peakInFlight: server.peakInFlight,
    resetPeak: server.resetPeak,
    stop: () => void server.stop(),
  }
}
