// Part of `bun run bench:decode-memory`: the chat worker itself, as a real process in a stack
// (redis-server, tf-serving with the default model, master, worker:chat, the fake X API), is sent
// DMs whose photo is `image`, and its RSS is read from /proc before and at its peak (VmHWM).
//   before: decode limits off (sides and bytes unbounded, 16 decodes at once: the image stage
//           was the only bound), as the worker was before issue 15
//   after:  the worker's defaults
import { waitFor } from '@tweetbot/testing'
import { dmDelivery, nextXId } from '@tweetbot/testing/deliveries'
import { startStack } from '@tweetbot/testing/stack'
import { parsePrometheusText, sumSamples } from '../load_test/src/prometheus-text.ts'
import { memoryMiB } from './proc-status.ts'

const LIMITS_OFF = {
  MEDIA_MAX_DIMENSION: '1000000',
  MEDIA_MAX_DECODE_BYTES: String(2 ** 50),
  MEDIA_DECODE_CONCURRENCY: '16',
}

/** Peak RSS of the chat worker while it handles `dms` DMs carrying `image`. */
export const measureWorker = async (
  image: Uint8Array,
  dms: number,
  limits: 'before' | 'after',
  modelDir: string,
) => {
  const stack = await startStack({
    modelDir,
    services: ['tf-serving', 'master', 'worker:chat'],
    images: { '/photo.png': { body: image as Uint8Array<ArrayBuffer>, contentType: 'image/png' } },
    env: { 'worker:chat': limits === 'before' ? LIMITS_OFF : {} },
  })
  try {
    const pid = stack.services['worker:chat'].pid!
    const base = memoryMiB(pid).rss
    for (let i = 0; i < dms; i++)
      await stack.postDelivery(
        dmDelivery({
          botId: stack.botId,
          senderId: nextXId(),
          mediaUrl: stack.imageUrl('/photo.png'),
        }),
      )
    // Done when each DM was answered or buried.
    const done = async () => {
      const samples = parsePrometheusText(await stack.metrics('worker:chat'))
      const handled = sumSamples(samples, 'tweetbot_jobs_total', (l) =>
        ['replied', 'dead'].includes(l.outcome ?? ''),
      )
      return handled >= dms
    }
    await waitFor('every DM handled', done, 120_000)
    const peak = memoryMiB(pid).hwm
    const replies = stack.x.replies().length
    return { base, peak, replies }
  } finally {
    await stack.stop()
  }
}
