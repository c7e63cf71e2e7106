// `make load_test`: a whole local stack in load-testing mode (its own Redis, tf-serving, master,
// workers, image server and a fake X API, all on free loopback ports), then vegeta_attack.sh
// against it, then the stack is stopped. Nothing can reach X: the workers run with
// FLT_LOAD_TESTING_MODE=True and, besides, point at the fake X API.
//   bun load_test/src/local-load-test.ts [RATE] [DURATION]
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { startStack } from '@tweetbot/testing/stack'
import { attackEnvFor } from './attack-env.ts'
import { renderStackImages } from './media-images.ts'

const root = resolve(import.meta.dir, '../..')
const [rate = '10', duration = '10'] = Bun.argv.slice(2)
const out = resolve(root, Bun.env.LOAD_TEST_OUT ?? 'load_test/out')
const logDir = resolve(out, 'stack-logs')
mkdirSync(logDir, { recursive: true })

console.info(`load_test: starting a local stack in load-testing mode (logs in ${logDir})`)
const stack = await startStack({ loadTesting: true, images: await renderStackImages(), logDir })
let stopping: Promise<void> | undefined
const stop = () => {
  stopping ??= stack.stop()
  return stopping
}
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    void stop().then(() => process.exit(130))
  })

const env = attackEnvFor(stack)
console.info(
  `load_test: master ${stack.services.master.url}, workers ${env.WORKER_URLS}, images ${stack.images.url}`,
)
const attack = Bun.spawn(
  ['bash', 'load_test/vegeta_attack.sh', rate, duration, `${stack.services.master.url}/webhook`],
  {
    cwd: root,
    env: { ...process.env, ...env, LOAD_TEST_OUT: out },
    stdio: ['ignore', 'inherit', 'inherit'],
  },
)
const code = await attack.exited
await stop()
process.exit(code)
