import { dmEventSchema, dmEventToChatJob, type UserRef } from '../x/dm-event.ts'
import { type Api, type EventDecision, firstIssue, ignored, rejected } from './types.ts'

/**
 * The one DM rule, for both APIs (they share the legacy DM event): a `message_create` from
 * someone other than the bot → chat, keyed by the DM id. X echoes the bot's own DMs, its
 * replies included, under both APIs; answering them would loop forever, so the rule filters
 * on ids rather than on the event type.
 */
export const routeDm = (
  item: unknown,
  ctx: { api: Api; kind: string; botId: string; senderRef: (senderId: string) => UserRef },
): EventDecision => {
  const { api, kind, botId } = ctx
  const parsed = dmEventSchema.safeParse(item)
  if (!parsed.success) return rejected(api, kind, firstIssue(parsed.error))
  const dm = parsed.data
  const { message_create } = dm
  if (dm.type !== 'message_create' || !message_create) return ignored(api, kind, `type ${dm.type}`)
  const senderId = message_create.sender_id
  if (senderId === botId) return ignored(api, kind, 'sent by the bot')
  const job = dmEventToChatJob(
    { ...dm, message_create },
    { api, botId, sender: ctx.senderRef(senderId) },
  )
  return { api, kind, outcome: 'route', queue: 'chat', eventId: dm.id, job }
}
