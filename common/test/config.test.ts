import { describe, expect, test } from 'bun:test'
import { z } from 'zod'
import { flag, positiveInt, secret } from '../src/config/fields.ts'
import { ConfigError, loadConfig } from '../src/config/load-config.ts'
import { sharedEnvSchema } from '../src/config/shared.ts'

const schema = sharedEnvSchema.extend({
  TWITTER_CONSUMER_SECRET: secret,
  CHAT_WORKER_CONCURRENCY: positiveInt(4),
  MODE: z.enum(['a', 'b']).default('a'),
})

const fail = (env: Record<string, string | undefined>): ConfigError => {
  try {
    loadConfig('svc', schema, env)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return err as ConfigError
  }
  throw new Error('expected loadConfig to throw')
}

describe('config', () => {
  test('defaults fill everything but the secret', () => {
    const cfg = loadConfig('svc', schema, { TWITTER_CONSUMER_SECRET: 's' })
    expect(cfg).toEqual({
      FLT_DEBUG_MODE: false,
      FLT_LOAD_TESTING_MODE: false,
      REDIS_URL: 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: 'tweetbot',
      TWITTER_CONSUMER_SECRET: 's',
      CHAT_WORKER_CONCURRENCY: 4,
      MODE: 'a',
    })
  })

  test('every missing or invalid variable is named in one error', () => {
    const err = fail({
      REDIS_URL: 'http://localhost:6379',
      QUEUE_PREFIX: 'has space',
      FLT_DEBUG_MODE: 'maybe',
      CHAT_WORKER_CONCURRENCY: '-3',
    })
    expect(err.service).toBe('svc')
    const names = err.problems.map((p) => p.split(':')[0])
    expect(names.sort()).toEqual(
      [
        'CHAT_WORKER_CONCURRENCY',
        'FLT_DEBUG_MODE',
        'QUEUE_PREFIX',
        'REDIS_URL',
        'TWITTER_CONSUMER_SECRET',
      ].sort(),
    )
    expect(err.message).toContain('TWITTER_CONSUMER_SECRET: required but not set')
    expect(err.message).toContain('FLT_DEBUG_MODE: must be True or False')
    expect(err.message).toContain('REDIS_URL: must start with redis:// or rediss://')
  })

  test('an empty variable counts as unset', () => {
    expect(fail({ TWITTER_CONSUMER_SECRET: '' }).message).toContain(
      'TWITTER_CONSUMER_SECRET: required but not set',
    )
  })

  test('values never appear in the message, secret or not', () => {
    const secretValue = 'sup3r-s3cret-v4lue'
    const err = fail({
      TWITTER_CONSUMER_SECRET: secretValue,
      CHAT_WORKER_CONCURRENCY: 'abc-leak-1',
      MODE: 'leak-2',
      REDIS_URL: 'leak-3://x',
      FLT_LOAD_TESTING_MODE: 'leak-4',
    })
    expect(err.problems).toHaveLength(4)
    for (const value of [secretValue, 'abc-leak-1', 'leak-2', 'leak-3', 'leak-4'])
      expect(err.message).not.toContain(value)
    expect(String(err.stack)).not.toContain(secretValue)
  })

  test('flags accept True/False, true/false and 1/0', () => {
    const cases: [string, boolean][] = [
      ['True', true],
      ['False', false],
      ['true', true],
      ['false', false],
      ['1', true],
      ['0', false],
    ]
    for (const [raw, want] of cases) {
      const cfg = loadConfig('svc', schema, {
        TWITTER_CONSUMER_SECRET: 's',
        FLT_DEBUG_MODE: raw,
        FLT_LOAD_TESTING_MODE: raw,
      })
      expect([cfg.FLT_DEBUG_MODE, cfg.FLT_LOAD_TESTING_MODE]).toEqual([want, want])
    }
    expect(loadConfig('f', z.object({ X: flag(true) }), {}).X).toBe(true)
    for (const bad of ['TRUE!', 'on', 'yes please', '2'])
      expect(() => loadConfig('f', z.object({ X: flag(false) }), { X: bad })).toThrow(
        'X: must be True or False',
      )
  })
})
