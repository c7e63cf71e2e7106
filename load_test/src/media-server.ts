// `bun run load-test:media`: serves a few generated photos for load tests, so fake payloads
// never point at pbs.twimg.com. Workers allow this host in load-testing mode (MEDIA_ALLOWED_HOSTS).
import { loadConfigOrExit } from '@tweetbot/common/config'
import { createLogger } from '@tweetbot/common/log'
import { installShutdown } from '@tweetbot/common/shutdown'
import { type ImageServer, startImageServer } from '@tweetbot/testing/image-server'
import { mediaEnvSchema } from './config.ts'
import { MEDIA_IMAGES } from './media-catalog.ts'
import { renderStackImages } from './media-images.ts'

/**
 * Renders every image once, then serves them from memory at `/media/<name>`. X's legacy size
 * suffix (`cat.jpg:large`) is accepted; query strings (`?name=small`) are ignored. `/` lists the
 * images, `/healthz` answers ok.
 */
export const startMediaServer = async (
  opts: { hostname?: string; port?: number } = {},
): Promise<ImageServer> => {
  const images = await renderStackImages()
  return startImageServer(images, {
    ...opts,
    normalizePath: (path) => path.replace(/^(\/media\/[^/:]+):\w+$/, '$1'),
    extra: (path) =>
      path === '/healthz'
        ? new Response('ok')
        : path === '/'
          ? Response.json({ images: Object.keys(images) })
          : undefined,
  })
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
