export { type AclRedisServer, startAclRedisServer } from './acl-redis.ts'
export { bunBinDir } from './bun-bin.ts'
export { freePort, type RedisServerHandle, startRedisServer } from './redis-server.ts'
export { runProcess } from './run-process.ts'

/** The URL of the run's private redis-server (started by the test preload). */
export const testRedisUrl = (): string => {
  const url = process.env.TEST_REDIS_URL
  if (!url)
    throw new Error(
      'TEST_REDIS_URL is not set: run tests with `bun test` (the preload starts Redis)',
    )
  return url
}

/** A key prefix unique to one test, so tests sharing the server never see each other's keys. */
export const uniquePrefix = (name = 't') => `${name}-${crypto.randomUUID().slice(0, 8)}`

/** Polls `check` every 20 ms until it holds; throws naming `what` after `timeoutMs`. */
export const waitFor = async (
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(20)
  }
}
