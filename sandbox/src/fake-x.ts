import type { MessageStore, SandboxMessage } from './messages.ts'
import { type FakeXApi, REPLY_PATH, type RecordedRequest, replyTarget } from './x-testing.ts'

/** Which message a reply the bot posted belongs to (tweets name the tweet, DMs the user). */
export const messageForReply = (
  req: RecordedRequest,
  store: MessageStore,
): SandboxMessage | undefined => {
  const to = replyTarget(req)
  if (!to) return undefined
  return to.queue === 'tweet' ? store.get(to.target) : store.byUser(to.target)
}

/** The text of a reply in any of the shapes the bot posts (v2 tweet / v2 DM / v1.1 DM). */
const replyText = (req: RecordedRequest): string => {
  const body = req.json as
    | { text?: string; event?: { message_create?: { message_data?: { text?: string } } } }
    | undefined
  return body?.text ?? body?.event?.message_create?.message_data?.text ?? ''
}

/**
 * Makes a fake X API the sandbox's X: every reply the bot posts is answered as X would and
 * added to its message; X Activity deliveries' media lookups (`GET /2/tweets/:id`,
 * `GET /2/dm_events/:id`) are answered with the uploaded photo, so the workers' lookup path runs.
 */
export const serveSandboxX = (
  x: FakeXApi,
  store: MessageStore,
  photoUrl: (m: SandboxMessage) => string | undefined,
) => {
  x.respondWith({
    method: 'POST',
    path: REPLY_PATH,
    times: Number.POSITIVE_INFINITY,
    respond: (req, asUsual) => {
      const answer = asUsual()
      const message = messageForReply(req, store)
      if (message)
        store.update(message.id, (m) => {
          m.replies.push({
            at: req.at,
            text: replyText(req),
            endpoint: `${req.method} ${req.path}`,
            status: answer.status,
          })
        })
      return answer
    },
  })
  x.respondWith({
    method: 'GET',
    path: /^\/2\/(tweets|dm_events)\/\d+$/,
    times: Number.POSITIVE_INFINITY,
    respond: (req, asUsual) => {
      const id = req.path.slice(req.path.lastIndexOf('/') + 1)
      const message = store.get(id)
      const url = message && photoUrl(message)
      if (!message || !url) return asUsual()
      const mediaKey = `3_${message.id}`
      return Response.json({
        data: {
          id: message.id,
          text: message.text,
          attachments: { media_keys: [mediaKey] },
        },
        includes: { media: [{ media_key: mediaKey, type: 'photo', url }] },
      })
    },
  })
}
