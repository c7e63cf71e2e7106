/** Runs a command to its end: its exit code and everything it printed (both streams read, so a
 * chatty child never blocks on a full pipe). */
export const runProcess = async (
  cmd: string[],
  opts: { cwd?: string; env?: Record<string, string | undefined> } = {},
) => {
  const proc = Bun.spawn(cmd, { ...opts, stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  return { code, stdout, stderr }
}
