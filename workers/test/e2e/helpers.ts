import { afterAll, beforeEach, expect } from 'bun:test'
import { createRedisQueue, type RedisQueue } from '@tweetbot/common/queue'
import { dmDelivery, mentionDelivery, nextXId } from '@tweetbot/testing/deliveries'
import type { FakeXMedia } from '@tweetbot/testing/fake-x-api'
import type { Stack } from '@tweetbot/testing/stack'
import sharp from 'sharp'

export { ensureDefaultModel, labelsOf } from '@tweetbot/testing/default-model'

/** The DMs the bot sent to `userId`. */
export const dmsTo = (stack: Stack, userId: string) =>
  stack.x.replies().filter((r) => r.path === `/2/dm_conversations/with/${userId}/messages`)

/**
 * Posts a sentinel DM and a sentinel mention and waits for both answers: everything posted
 * before them has been handled by both workers.
 */
export const drain = async (stack: Stack) => {
  const sender = nextXId()
  expect(
    (await stack.postDelivery(dmDelivery({ botId: stack.botId, senderId: sender }))).status,
  ).toBe(200)
  await stack.x.waitForRequests(1, (r) => r.path.includes(`/with/${sender}/`) && r.status > 0)
  const mention = nextXId()
  await stack.postDelivery(
    mentionDelivery({ botId: stack.botId, authorId: nextXId(), tweetId: mention }),
  )
  await stack.x.waitForRequests(
    1,
    (r) =>
      (r.json as { reply?: { in_reply_to_tweet_id?: string } })?.reply?.in_reply_to_tweet_id ===
      mention,
  )
}

export const jpeg = (body: Uint8Array): FakeXMedia => ({
  body: body as Uint8Array<ArrayBuffer>,
  contentType: 'image/jpeg',
})

/**
 * What tf-serving itself ranks first for an image: resized independently of the worker's code
 * (sharp, plain JSON.stringify of v/255) and sent straight to `:predict`.
 */
export const directTopLabel = async (predictUrl: string, image: Uint8Array, labels: string[]) => {
  const { data } = await sharp(image)
    .resize(224, 224, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  const rows: number[][][] = []
  for (let y = 0; y < 224; y++) {
    const row: number[][] = []
    for (let x = 0; x < 224; x++) {
      const i = (y * 224 + x) * 3
      row.push([data[i]! / 255, data[i + 1]! / 255, data[i + 2]! / 255])
    }
    rows.push(row)
  }
  const res = await fetch(predictUrl, {
    method: 'POST',
    body: JSON.stringify({ instances: [rows] }),
  })
  const { predictions } = (await res.json()) as { predictions: number[][] }
  const scores = predictions[0]!
  const best = scores.indexOf(Math.max(...scores))
  return { label: labels[best]!, scores }
}

/** A flat-colour "drawing": big shapes on white, unlike the photo-like test images. */
export const makeDrawing = async () =>
  new Uint8Array(
    await sharp({
      create: { width: 300, height: 300, channels: 3, background: { r: 255, g: 255, b: 255 } },
    })
      .composite([
        {
          input: Buffer.from(
            '<svg width="300" height="300"><circle cx="150" cy="120" r="80" fill="none" stroke="black" stroke-width="8"/><rect x="60" y="220" width="180" height="40" fill="#e33"/></svg>',
          ),
        },
      ])
      .jpeg()
      .toBuffer(),
  )

/** A queue client on the stack's Redis, for checking depths and the dead list. */
export const queueOf = (stack: Stack): RedisQueue =>
  createRedisQueue({ url: stack.redis.url, prefix: stack.prefix })

/**
 * For a test file's stack: after the file, close the queue client and stop the stack; before
 * each test, forget what the fake X recorded.
 */
export const manageStack = (get: () => { stack?: Stack; queue?: RedisQueue }) => {
  afterAll(async () => {
    const { stack, queue } = get()
    await queue?.close()
    await stack?.stop()
  })
  beforeEach(() => get().stack?.x.reset())
}
