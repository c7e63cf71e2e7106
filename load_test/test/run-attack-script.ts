import { join, resolve } from 'node:path'

export const repoRoot = resolve(import.meta.dir, '../..')
const script = join(repoRoot, 'load_test/vegeta_attack.sh')

/** Runs vegeta_attack.sh with only PATH/HOME from this process (no developer env leaks in). */
export const runAttackScript = async (args: string[], env: Record<string, string>) => {
  const proc = Bun.spawn(['bash', script, ...args], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      LOAD_TEST_TOOL: 'autocannon',
      ...env,
    },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  return { code, stdout, stderr }
}
