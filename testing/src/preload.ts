// Test-run preload (bunfig.toml): one private redis-server for the whole `bun test` run.
// Tests read its URL from TEST_REDIS_URL and never touch a developer's own Redis.
import { afterAll } from 'bun:test'
import { startRedisServer } from './redis-server.ts'

const server = await startRedisServer()
process.env.TEST_REDIS_URL = server.url
afterAll(async () => {
  await server.destroy()
})
