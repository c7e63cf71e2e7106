/**
 * Runs a load generator (wrk with a Lua `done` hook, bench/grpc-load.ts) to its end and parses
 * the `RESULT {json}` line it prints. `cpuMs` is the CPU it used (user + system), since it shares
 * the cores with the server being measured; NaN where the runtime cannot tell.
 */
export const runLoadGenerator = async <T>(
  name: string,
  cmd: string[],
): Promise<{ result: T; cpuMs: number }> => {
  const proc = Bun.spawn(cmd, { stdout: 'pipe', stderr: 'inherit' })
  const out = await new Response(proc.stdout).text()
  await proc.exited
  const line = out.split('\n').find((l) => l.startsWith('RESULT '))
  if (!line) throw new Error(`${name} printed no result:\n${out}`)
  const cpu = proc.resourceUsage()?.cpuTime
  return {
    result: JSON.parse(line.slice('RESULT '.length)) as T,
    cpuMs: cpu ? Number(cpu.user + cpu.system) / 1000 : Number.NaN,
  }
}
