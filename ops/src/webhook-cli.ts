// `bun run webhook <command>`: manage the X webhook and subscriptions the bot receives events by.
import { ConfigError, loadConfig } from '@tweetbot/common/config'
import { webhookCliEnvSchema } from './config.ts'
import { COMMANDS, commandContext, UsageError, usage } from './webhook/commands.ts'
import { createXClients } from './webhook/x-clients.ts'
import { explainXError } from './webhook/x-errors.ts'

export interface CliIo {
  out(line: string): void
  err(line: string): void
}

/** Runs one command; returns the exit code (0 ok, 1 X or network failure, 2 usage/config). */
export const runWebhookCli = async (
  argv: string[],
  env: Record<string, string | undefined>,
  io: CliIo,
): Promise<number> => {
  const json = argv.includes('--json')
  const [name, ...args] = argv.filter((a) => a !== '--json')
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.out(usage())
    return name ? 0 : 2
  }
  const command = COMMANDS.find((c) => c.name === name)
  if (!command) {
    io.err(`unknown command "${name}"\n${usage()}`)
    return 2
  }
  let baseUrl = 'the X API'
  try {
    const x = createXClients(loadConfig('webhook', webhookCliEnvSchema, env))
    baseUrl = x.baseUrl
    const result = await command.run(commandContext(x, command.auth), args)
    if (json) io.out(JSON.stringify(result.data, null, 2))
    else for (const line of result.lines) io.out(line)
    return 0
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(
        `${command.name}: ${err.message}\nusage: bun run webhook ${[command.name, ...command.args].join(' ')}`,
      )
      return 2
    }
    if (err instanceof ConfigError) {
      io.err(err.message)
      return 2
    }
    io.err(`${command.name} failed: ${explainXError(err, { auth: command.auth, baseUrl })}`)
    return 1
  }
}

if (import.meta.main) {
  const code = await runWebhookCli(Bun.argv.slice(2), Bun.env, {
    out: (line) => console.info(line),
    err: (line) => console.error(line),
  })
  process.exit(code)
}
