// Runs the real tf-serving (bun tf-serving/src/main.ts) as a child process for a test file.
import { resolve } from 'node:path'
import { freePort } from '@tweetbot/testing'

const MAIN = resolve(import.meta.dir, '../../src/main.ts')

export interface ServerProcess {
  url: string
  proc: ReturnType<typeof Bun.spawn>
  logs: () => string
  stop: () => Promise<void>
}

/** Hands a child's stdout and stderr text to `append` as it arrives (for logs in test failures). */
const collectOutput = (
  proc: { stdout: ReadableStream<Uint8Array>; stderr: ReadableStream<Uint8Array> },
  append: (text: string) => void,
) => {
  const collect = async (s: ReadableStream<Uint8Array>) => {
    const reader = s.getReader()
    const decoder = new TextDecoder()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      append(decoder.decode(value, { stream: true }))
    }
  }
  void collect(proc.stdout)
  void collect(proc.stderr)
}

/** Starts it and resolves once `readyPath` answers 200 (/readyz: every configured model loaded). */
export const spawnServer = async (
  flags: string[],
  env: Record<string, string> = {},
  readyPath = '/readyz',
): Promise<ServerProcess> => {
  const port = await freePort()
  let out = ''
  const proc = Bun.spawn(
    [
      'bun',
      MAIN,
      `--rest_api_port=${port}`,
      '--inference_workers=1',
      // No gRPC server unless a test asks for one: 8500 may be taken by another run.
      ...(flags.some((f) => f.startsWith('--port')) ? [] : ['--port=0']),
      ...flags,
    ],
    {
      env: { ...process.env, ...env },
      stdout: 'pipe',
      stderr: 'pipe',
    },
  )
  collectOutput(proc, (text) => {
    out += text
  })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`tf-serving exited early:\n${out}`)
    const ok = await fetch(`${url}${readyPath}`).then(
      (r) => r.status === 200,
      () => false,
    )
    if (ok) break
    if (Date.now() > deadline) {
      proc.kill()
      throw new Error(`tf-serving did not become ready:\n${out}`)
    }
    await Bun.sleep(200)
  }
  return {
    url,
    proc,
    logs: () => out,
    stop: async () => {
      proc.kill('SIGTERM')
      const exited = await Promise.race([
        proc.exited.then(() => true),
        Bun.sleep(10_000).then(() => false),
      ])
      if (!exited) proc.kill('SIGKILL')
    },
  }
}
