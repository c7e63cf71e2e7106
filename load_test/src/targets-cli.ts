// `bun run load-test:targets -- --count N --kind dm|tweet|mix --url URL [--out DIR]`
import { parseArgs } from 'node:util'
import { loadConfigOrExit } from '@tweetbot/common/config'
import { targetsEnvSchema } from './config.ts'
import { generateTargets, type TargetKind, writeTargets } from './targets.ts'

const USAGE = `usage: bun run load-test:targets -- [--count N] [--kind dm|tweet|mix] [--url URL]
                                    [--media-url URL] [--out DIR]
  --count      number of requests, each with its own event id (default 100)
  --kind       dm (DM with a photo), tweet (mention with a photo) or mix (default mix)
  --url        the master's webhook URL (default http://127.0.0.1:8080/webhook)
  --media-url  load-test media server the payloads point at (default $LOAD_TEST_MEDIA_URL or http://127.0.0.1:9100)
  --out        output directory (default load_test/out)
env: TWITTER_CONSUMER_SECRET signs each body (default: make dev's dev-consumer-secret)`

const main = async () => {
  const { values } = parseArgs({
    args: Bun.argv.slice(2),
    options: {
      count: { type: 'string', default: '100' },
      kind: { type: 'string', default: 'mix' },
      url: { type: 'string', default: 'http://127.0.0.1:8080/webhook' },
      'media-url': { type: 'string' },
      out: { type: 'string', default: 'load_test/out' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help) {
    console.info(USAGE)
    return
  }
  const count = Number(values.count)
  if (!Number.isInteger(count) || count < 1)
    throw new UsageError('--count must be a whole number >= 1')
  if (!['dm', 'tweet', 'mix'].includes(values.kind))
    throw new UsageError('--kind must be dm, tweet or mix')
  const env = loadConfigOrExit('load-test:targets', targetsEnvSchema, Bun.env)
  const targets = await generateTargets({
    count,
    kind: values.kind as TargetKind,
    url: values.url,
    secret: env.TWITTER_CONSUMER_SECRET,
    mediaBaseUrl: values['media-url'] ?? env.LOAD_TEST_MEDIA_URL,
  })
  const files = writeTargets(values.out, targets)
  console.info(
    `wrote ${targets.length} signed ${values.kind} requests to ${files.json}\n` +
      `single request (classic format): ${files.txt} + ${files.body}`,
  )
}

class UsageError extends Error {}

main().catch((err: unknown) => {
  console.error(err instanceof UsageError ? `${err.message}\n${USAGE}` : String(err))
  process.exit(err instanceof UsageError ? 2 : 1)
})
