import { REDIS_ROLES, type RedisRole, redisAclConfig } from '@tweetbot/common/queue'
import { type RedisServerHandle, startRedisServer } from './redis-server.ts'

export interface AclRedisServer {
  server: RedisServerHandle
  /** `redis://<role>:<password>@127.0.0.1:<port>`, as the role's REDIS_URL. */
  urlFor(role: RedisRole): string
}

/**
 * A private redis-server whose users are the production ACL users (`redisAclConfig`) for
 * `prefix`, each with a fresh random password; the `default` user is off.
 */
export const startAclRedisServer = async (prefix: string): Promise<AclRedisServer> => {
  const passwords = Object.fromEntries(
    REDIS_ROLES.map((role) => [role, crypto.randomUUID().replaceAll('-', '')]),
  ) as Record<RedisRole, string>
  const server = await startRedisServer({ config: redisAclConfig(prefix, passwords) })
  return {
    server,
    urlFor: (role) => `redis://${role}:${passwords[role]}@127.0.0.1:${server.port}`,
  }
}
