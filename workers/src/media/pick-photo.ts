import type { BotJob } from '@tweetbot/common/src/jobs.ts'

/** The first photo of a job (X puts up to 4 photos, or one video/GIF, on a tweet). */
export const pickPhoto = (job: BotJob): string | undefined =>
  job.media.find((m) => m.type === 'photo')?.url
