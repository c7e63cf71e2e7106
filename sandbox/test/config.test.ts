// The sandbox's two refusals: anything but loopback, and real X keys beside it.
import { expect, test } from 'bun:test'
import { ConfigError, loadConfig, sandboxEnvSchema } from '@tweetbot/common/config'
import { startSandbox } from '../src/sandbox.ts'

const base = { TWITTER_CONSUMER_SECRET: 'dev-consumer-secret' }
const load = (env: Record<string, string>) => loadConfig('sandbox', sandboxEnvSchema, env)

const problems = (env: Record<string, string>) => {
  try {
    load(env)
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  return []
}

test('defaults: loopback on 8090 (page) and 8091 (fake X), make dev ports for the bot', () => {
  const c = load(base)
  expect(c.SANDBOX_HOST).toBe('127.0.0.1')
  expect(c.SANDBOX_PORT).toBe(8090)
  expect(c.SANDBOX_X_PORT).toBe(8091)
  expect(c.MASTER_URL).toBe('http://127.0.0.1:8080')
  expect(c.WORKER_URLS).toEqual(['http://127.0.0.1:8081', 'http://127.0.0.1:8082'])
})

test.each(['127.0.0.1', '127.1.2.3', 'localhost'])('%s is loopback: accepted', (host) => {
  expect(load({ ...base, SANDBOX_HOST: host }).SANDBOX_HOST).toBe(host)
})

test.each(['0.0.0.0', '192.168.1.5', '::', 'example.com'])(
  '%s is not loopback: refused, saying why',
  (host) => {
    expect(problems({ ...base, SANDBOX_HOST: host })).toEqual([
      'SANDBOX_HOST: must be a loopback address (127.x.x.x or localhost): the sandbox has no login and signs deliveries with the master secret',
    ])
  },
)

test('real X keys: refused, naming each key and never its value', () => {
  const found = problems({
    ...base,
    TWITTER_CONSUMER_KEY: 'real-key-value',
    TWITTER_ACCESS_TOKEN_SECRET: 'real-secret-value',
  })
  expect(found).toHaveLength(2)
  expect(found[0]).toStartWith('TWITTER_CONSUMER_KEY: is set: real X credentials are configured')
  expect(found[1]).toStartWith('TWITTER_ACCESS_TOKEN_SECRET: is set')
  expect(found.join('\n')).not.toContain('real-')
})

test('the master secret is required: the sandbox signs with it', () => {
  expect(problems({})).toEqual(['TWITTER_CONSUMER_SECRET: required but not set'])
})

test('startSandbox itself refuses a non-loopback host (not only the config)', async () => {
  await expect(
    startSandbox({ host: '0.0.0.0', port: 0, xPort: 0, caFile: '/tmp/unused.pem', botId: '1' }),
  ).rejects.toThrow('refusing to bind 0.0.0.0')
})
