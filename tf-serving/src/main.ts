// `bun run tf-serving [flags]`: the only file that reads env and argv.
import { loadConfigOrExit, tfServingEnvSchema } from '@tweetbot/common/config'
import { createLogger } from '@tweetbot/common/log'
import { installShutdown } from '@tweetbot/common/shutdown'
import { FlagError, resolveOptions } from './config/flags.ts'
import { startServer } from './server.ts'

const env = loadConfigOrExit('tf-serving', tfServingEnvSchema, Bun.env)
/** A wrong command line (or a file it names) is one line and exit 2, not a stack trace. */
const exitOnFlagError = (err: unknown): never => {
  if (!(err instanceof FlagError)) throw err
  console.error(`tf-serving: ${err.message}`)
  process.exit(2)
}
const readFlags = () => {
  try {
    return resolveOptions(Bun.argv.slice(2), env)
  } catch (err) {
    return exitOnFlagError(err)
  }
}
const opts = readFlags()
const logger = createLogger({ service: 'tf-serving', debug: opts.debug })
if (opts.ignored.length > 0)
  logger.warn('flags accepted but not used here', { flags: opts.ignored })
const server = await startServer(opts, logger).catch(exitOnFlagError)
installShutdown([{ name: 'tf-serving', run: server.stop }], { logger })
