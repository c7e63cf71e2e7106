import { join, resolve } from 'node:path'
import { runProcess } from '@tweetbot/testing'

export const repoRoot = resolve(import.meta.dir, '../..')
const script = join(repoRoot, 'load_test/vegeta_attack.sh')

/** Runs vegeta_attack.sh with only PATH/HOME from this process (no developer env leaks in). */
export const runAttackScript = (args: string[], env: Record<string, string>) =>
  runProcess(['bash', script, ...args], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      LOAD_TEST_TOOL: 'autocannon',
      ...env,
    },
  })
