// `bun run load-test:media`: serves a few generated photos for load tests, so fake payloads
// never point at pbs.twimg.com. Workers allow this host in load-testing mode (MEDIA_ALLOWED_HOSTS).
import { loadConfigOrExit } from '@tweetbot/common/config'
import { createLogger } from '@tweetbot/common/log'
import { installShutdown } from '@tweetbot/common/shutdown'
import { mediaEnvSchema } from './config.ts'
import { MEDIA_IMAGES } from './media-catalog.ts'
import { renderStackImages } from './media-images.ts'

export interface MediaServer {
  url: string
  port: number
  /** Requests served per image name. */
  hits: Map<string, number>
  stop(): Promise<void>
}

/** Renders every image once, then serves them from memory. */
export const startMediaServer = async (
  opts: { hostname?: string; port?: number } = {},
): Promise<MediaServer> => {
  const images = new Map(Object.entries(await renderStackImages()))
  const hits = new Map<string, number>()
  const server = Bun.serve({
    hostname: opts.hostname ?? '127.0.0.1',
    port: opts.port ?? 0,
    fetch(req) {
      const { pathname } = new URL(req.url)
      if (pathname === '/healthz') return new Response('ok')
      if (pathname === '/') return Response.json({ images: [...images.keys()] })
      // Accept X's legacy size suffix (`cat.jpg:large`); query strings (`?name=small`) are ignored.
      const name = /^\/media\/([^/:]+)(?::\w+)?$/.exec(pathname)?.[1]
      const img = name ? images.get(`/media/${name}`) : undefined
      if (!name || !img || (req.method !== 'GET' && req.method !== 'HEAD'))
        return new Response('not found', { status: 404 })
      hits.set(name, (hits.get(name) ?? 0) + 1)
      return new Response(req.method === 'HEAD' ? null : img.body, {
        headers: {
          'content-type': img.contentType,
          'content-length': String(img.body.byteLength),
          'cache-control': 'max-age=604800',
        },
      })
    },
  })
  return {
    url: `http://${server.hostname}:${server.port}`,
    port: server.port ?? 0,
    hits,
    stop: () => server.stop(true),
  }
}

if (import.meta.main) {
  const env = loadConfigOrExit('load-test:media', mediaEnvSchema, Bun.env)
  const logger = createLogger({ service: 'load-test-media' })
  const server = await startMediaServer({ hostname: env.MEDIA_HOST, port: env.MEDIA_PORT })
  logger.info('media server listening', {
    url: server.url,
    images: MEDIA_IMAGES.map((m) => `${server.url}/media/${m.name}`),
  })
  installShutdown([{ name: 'http', run: () => server.stop() }], { logger })
}
