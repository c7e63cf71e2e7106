import type { TweetJob } from '@tweetbot/common/jobs'
import { createdAtField } from './ids.ts'

/** What a mention's job takes from its API's payload; the rest follows from the tweet's id. */
type MentionFields = Omit<TweetJob, 'kind' | 'eventId' | 'tweetId' | 'createdAt'>

/** A mention as a tweet job: the event is the tweet itself, and X's time is kept when it parses. */
export const mentionJob = (
  tweetId: string,
  xCreatedAt: string | undefined,
  fields: MentionFields,
): TweetJob => ({
  kind: 'mention',
  eventId: tweetId,
  tweetId,
  ...fields,
  ...createdAtField(xCreatedAt),
})
