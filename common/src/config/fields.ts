import { z } from 'zod'

const TRUE = new Set(['true', 'True', 'TRUE', '1', 'yes'])
const FALSE = new Set(['false', 'False', 'FALSE', '0', 'no'])

/** A `True`/`False` flag in the Python original's spelling, plus true/false/1/0. */
export const flag = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return fallback
      if (TRUE.has(v)) return true
      if (FALSE.has(v)) return false
      ctx.addIssue({ code: 'custom', message: 'must be True or False (or true/false/1/0)' })
      return z.NEVER
    })

export const port = (fallback: number) =>
  z.coerce
    .number({ message: 'must be a port number' })
    .int('must be a whole number')
    .min(0, 'must be 0..65535')
    .max(65535, 'must be 0..65535')
    .default(fallback)

const wholePositive = z.coerce
  .number({ message: 'must be a number' })
  .int('must be a whole number')
  .positive('must be greater than 0')

export const positiveInt = (fallback: number) => wholePositive.default(fallback)

/** Like positiveInt, but unset stays undefined (the caller picks a computed default). */
export const optionalPositiveInt = wholePositive.optional()

export const redisUrl = z
  .string()
  .refine((v) => /^rediss?:\/\//.test(v), 'must start with redis:// or rediss://')
  .default('redis://127.0.0.1:6379')

export const httpUrl = z.string().refine((v) => {
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol)
  } catch {
    return false
  }
}, 'must be an http(s) URL')

/** X's API root (TWITTER_API_BASE_URL), for the workers and the operator CLI alike. */
export const xApiBaseUrl = z
  .string()
  .default('https://api.x.com')
  .refine(
    (v) => /^https:\/\/[^/]+$/.test(v.replace(/\/$/, '')),
    'must be an https:// URL, https://host[:port] (twitter-api-v2 refuses http://)',
  )

/** A secret: required, non-empty; its value never appears in errors or logs. */
export const secret = z.string({ message: 'required but not set' }).min(1, 'must not be empty')

export const queuePrefix = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+$/, 'may hold only letters, digits, _ . -')
  .default('tweetbot')
