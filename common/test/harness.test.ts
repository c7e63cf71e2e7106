import { expect, test } from 'bun:test'
import { testRedisUrl } from '@tweetbot/testing'

test('the preload gives every test a private, reachable redis-server', async () => {
  const url = testRedisUrl()
  expect(url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/)
  const client = new Bun.RedisClient(url)
  expect(await client.send('PING', [])).toBe('PONG')
  client.close()
})
