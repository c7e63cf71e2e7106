import { z } from 'zod'

/**
 * An X snowflake id as a decimal string. Ids become Redis key parts (dedupe markers), so
 * anything else, even from a correctly signed body, is refused rather than stored.
 */
export const xIdSchema = z.string().regex(/^[0-9]{1,25}$/, 'must be a decimal id')

/** ISO time from X's `created_timestamp` (epoch ms string) or `created_at` text; undefined if neither parses. */
export const toIsoTime = (value: string | undefined): string | undefined => {
  if (value === undefined) return undefined
  const ms = /^[0-9]{1,15}$/.test(value) ? Number(value) : Date.parse(value)
  if (!Number.isFinite(ms)) return undefined
  const date = new Date(ms)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}

/** `{ createdAt }` for a job when X's time parses, else nothing (the field is optional). */
export const createdAtField = (value: string | undefined): { createdAt?: string } => {
  const createdAt = toIsoTime(value)
  return createdAt ? { createdAt } : {}
}
