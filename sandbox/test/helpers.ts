// The sandbox's tests reach the project's test support through this file only.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureDefaultModel } from '@tweetbot/testing/default-model'
import { type Stack, startStack } from '@tweetbot/testing/stack'
import { type Sandbox, startSandbox } from '../src/sandbox.ts'

export { waitFor } from '@tweetbot/testing'
export { makePhoto } from '@tweetbot/testing/images'

export interface SandboxStack {
  sandbox: Sandbox
  stack: Stack
  stop(): Promise<void>
}

/**
 * The sandbox on loopback with the whole real bot behind it: redis-server, tf-serving with the
 * default model, the master and both workers, the workers replying to the sandbox's fake X and
 * downloading its photos (the sandbox starts first, as `make dev` does, so they can).
 */
export const startSandboxStack = async (): Promise<SandboxStack> => {
  const dir = mkdtempSync(join(tmpdir(), 'tweetbot-sandbox-'))
  const botId = '4337869213'
  const sandbox = await startSandbox({
    host: '127.0.0.1',
    port: 0,
    xPort: 0,
    caFile: join(dir, 'fake-x-ca.pem'),
    botId,
  })
  let stack: Stack
  try {
    stack = await startStack({
      botId,
      modelDir: await ensureDefaultModel(),
      logDir: dir,
      env: { 'worker:chat': sandbox.workerEnv, 'worker:tweet': sandbox.workerEnv },
    })
  } catch (err) {
    await sandbox.stop()
    throw err
  }
  await sandbox.connect({
    masterUrl: stack.services.master.url,
    consumerSecret: stack.consumerSecret,
    workerUrls: [stack.services['worker:chat'].url, stack.services['worker:tweet'].url],
    predictUrl: stack.predictUrl,
    redisUrl: stack.redis.url,
    queuePrefix: stack.prefix,
  })
  return {
    sandbox,
    stack,
    stop: async () => {
      await sandbox.stop()
      await stack.stop()
    },
  }
}
