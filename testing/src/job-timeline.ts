import type { JobEvent } from '@tweetbot/common/job-events'

/**
 * What a job's events say happened, in order: each stage by its name, every other event by its
 * type. Written out by hand (not read from the worker) so a test fails when the worker drifts.
 */
export const timelineSteps = (events: readonly JobEvent[]): string[] =>
  events.map((e) => (e.type === 'stage' ? e.stage : e.type))

/** The timeline of a photo job that ends in a reply: every stage, the scores, then finished. */
export const REPLIED_TIMELINE = [
  'taken',
  'download',
  'preprocess',
  'predict',
  'scores',
  'reply',
  'finished',
] as const
