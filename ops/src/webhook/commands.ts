import type { AuthKind, XClients } from './x-clients.ts'

/** A command's printed result: lines for a human, plus the raw response for --json. */
export interface CommandResult {
  lines: string[]
  data: unknown
}

type Json = Record<string, unknown>
type Method = 'get' | 'post' | 'put' | 'delete'

/** What a command runs with: `call` signs every X call with the command's own `auth`. */
export interface CommandContext {
  x: XClients
  call(method: Method, path: string, body?: Json): Promise<Json>
}

export interface Command {
  name: string
  args: string[]
  summary: string
  /** The auth its X calls need (twitter.md §7, x-activity-api.md §2). */
  auth: AuthKind
  run(ctx: CommandContext, args: string[]): Promise<CommandResult>
}

export class UsageError extends Error {
  override name = 'UsageError'
}

const asObj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {})
const asList = (v: unknown): Json[] => (Array.isArray(v) ? v.map(asObj) : [])
const str = (v: unknown) => (v === undefined || v === null ? '' : String(v))

const ID = /^\d{1,20}$/
const needId = (value: string | undefined, what: string) => {
  if (!value || !ID.test(value)) throw new UsageError(`${what} must be a numeric id`)
  return value
}

/** The context for a command of this auth kind (app bearer or the bot's OAuth 1.0a). */
export const commandContext = (x: XClients, auth: AuthKind): CommandContext => ({
  x,
  async call(method, path, body) {
    const client = (auth === 'app' ? await x.app() : x.user()).v2
    const res =
      method === 'get'
        ? await client.get(path)
        : method === 'delete'
          ? await client.delete(path)
          : await client[method](path, body ?? {})
    return asObj(res)
  },
})

/** "1 webhook", "3 webhooks". */
const counted = (n: unknown, noun: string) => `${str(n)} ${noun}${Number(n) === 1 ? '' : 's'}`

/** A list answer: the hint when it is empty, else its heading and one indented row an item. */
const listLines = (items: Json[], hint: string, heading: string, row: (item: Json) => string) =>
  items.length === 0 ? [hint] : [heading, ...items.map((item) => `  ${row(item)}`)]

/** A command that GETs one of the app's lists (app auth, no arguments) and prints it. */
const appList = (spec: {
  name: string
  summary: string
  path: string
  hint: string
  heading: (count: number, res: Json) => string
  row: (item: Json) => string
}): Command => ({
  name: spec.name,
  args: [],
  summary: spec.summary,
  auth: 'app',
  async run({ call }) {
    const res = await call('get', spec.path)
    const items = asList(res.data)
    return {
      data: res,
      lines: listLines(items, spec.hint, spec.heading(items.length, res), spec.row),
    }
  },
})

/** A command on one webhook: checks its id, makes one X call and says what came back. */
const onWebhook = (spec: {
  name: string
  summary: string
  auth: AuthKind
  method: Method
  path: (webhookId: string) => string
  lines: (res: Json, webhookId: string, ctx: CommandContext) => string[]
}): Command => ({
  name: spec.name,
  args: ['<webhook_id>'],
  summary: spec.summary,
  auth: spec.auth,
  async run(ctx, [id]) {
    const webhookId = needId(id, 'webhook_id')
    const res = await ctx.call(spec.method, spec.path(webhookId))
    return { data: res, lines: spec.lines(res, webhookId, ctx) }
  },
})

const describeWebhook = (w: Json) =>
  `${str(w.id)}  ${str(w.url)}  ${w.valid === false ? 'INVALID (no events; run validate)' : 'valid'}${
    w.created_at ? `  created ${str(w.created_at)}` : ''
  }`

/** `yyyymmddhhmm` (UTC) as X's replay wants it; also accepts ISO dates. */
export const toReplayDate = (value: string | undefined, what: string): string => {
  if (value && /^\d{12}$/.test(value)) return value
  const d = value ? new Date(value) : new Date(Number.NaN)
  if (Number.isNaN(d.getTime()))
    throw new UsageError(`${what} must be yyyymmddhhmm (UTC) or an ISO date like 2026-11-27T10:00Z`)
  return d.toISOString().replace(/[-T:]/g, '').slice(0, 12)
}

const EVENT_TYPE = /^[a-z]+(\.[a-z_]+)+$/
/** X Activity API types this bot handles; others are allowed but flagged. */
export const BOT_EVENT_TYPES = ['dm.received', 'post.mention.create', 'post.reply.create']

const activityRow = (s: Json) =>
  `${str(s.subscription_id ?? s.id)}  ${str(s.event_type)}  user ${str(asObj(s.filter).user_id)}` +
  `${s.webhook_id ? `  → webhook ${str(s.webhook_id)}` : '  (stream only)'}${s.tag ? `  tag ${str(s.tag)}` : ''}`

export const COMMANDS: Command[] = [
  {
    name: 'register',
    args: ['<url>'],
    summary: 'register the master URL as the webhook (X runs a CRC against it now)',
    auth: 'app',
    async run({ call }, [url]) {
      if (!url || !/^https:\/\//.test(url))
        throw new UsageError(
          'url must be the public https:// URL of the master, e.g. https://bot.example.com/webhook',
        )
      const res = await call('post', 'webhooks', { url })
      const w = asObj(res.data)
      return {
        data: res,
        lines: [
          `registered webhook ${str(w.id)} for ${str(w.url ?? url)} (${w.valid === false ? 'INVALID' : 'CRC passed'})`,
          `next: bun run webhook subscribe ${str(w.id)}`,
        ],
      }
    },
  },
  appList({
    name: 'list',
    summary: "list the app's webhooks",
    path: 'webhooks',
    hint: 'no webhooks registered (bun run webhook register <url>)',
    heading: (n) => `${counted(n, 'webhook')}:`,
    row: describeWebhook,
  }),
  onWebhook({
    name: 'validate',
    summary: 'trigger a CRC now (re-enables an invalid webhook when it passes)',
    auth: 'app',
    method: 'put',
    path: (id) => `webhooks/${id}`,
    lines: (res, id) => [
      asObj(res.data).valid === false
        ? `webhook ${id}: CRC FAILED, still invalid: the master did not answer the CRC correctly`
        : `webhook ${id}: CRC passed, webhook valid`,
    ],
  }),
  onWebhook({
    name: 'delete',
    summary: 'delete a webhook (and with it its subscriptions)',
    auth: 'app',
    method: 'delete',
    path: (id) => `webhooks/${id}`,
    lines: (_res, id) => [`deleted webhook ${id}`],
  }),
  onWebhook({
    name: 'subscribe',
    summary: 'subscribe the bot account (its DMs and mentions) to the webhook',
    auth: 'user',
    method: 'post',
    path: (id) => `account_activity/webhooks/${id}/subscriptions/all`,
    lines: (res, id) => [
      asObj(res.data).subscribed !== false
        ? `bot subscribed to webhook ${id}: events may take ~10 s to start flowing`
        : `X did not confirm the subscription to webhook ${id}`,
    ],
  }),
  onWebhook({
    name: 'subscriptions',
    summary: 'list the accounts subscribed to a webhook',
    auth: 'app',
    method: 'get',
    path: (id) => `account_activity/webhooks/${id}/subscriptions/all/list`,
    lines: (res, id, { x }) => {
      const subs = asList(asObj(res.data).subscriptions ?? res.data)
      const bot = x.knownBotUserId()
      return listLines(
        subs,
        `webhook ${id}: no subscriptions (bun run webhook subscribe ${id})`,
        `webhook ${id}: ${counted(subs.length, 'subscription')}:`,
        (s) =>
          `user ${str(s.user_id ?? s.id)}${str(s.user_id ?? s.id) === bot ? '  (the bot)' : ''}`,
      )
    },
  }),
  {
    name: 'unsubscribe',
    args: ['<webhook_id>', '[user_id]'],
    summary: 'remove the bot (or user_id) from the webhook',
    auth: 'app',
    async run({ call, x }, [id, userArg]) {
      const userId = userArg ? needId(userArg, 'user_id') : await x.botUserId()
      const path = `account_activity/webhooks/${needId(id, 'webhook_id')}/subscriptions/${userId}/all`
      const res = await call('delete', path)
      return { data: res, lines: [`unsubscribed user ${userId} from webhook ${id}`] }
    },
  },
  {
    name: 'replay',
    args: ['<webhook_id>', '<from>', '<to>'],
    summary: 'ask X to re-deliver events of a time window (yyyymmddhhmm UTC or ISO, last 24 h)',
    auth: 'app',
    async run({ call }, [id, from, to]) {
      const body = {
        webhook_id: needId(id, 'webhook_id'),
        from_date: toReplayDate(from, 'from'),
        to_date: toReplayDate(to, 'to'),
      }
      if (body.from_date >= body.to_date) throw new UsageError('from must be before to')
      const res = await call('post', 'webhooks/replay', body)
      const job = asObj(res.data)
      return {
        data: res,
        lines: [
          `replay requested for webhook ${id}, ${body.from_date}..${body.to_date} UTC${
            job.job_id ? ` (job ${str(job.job_id)})` : ''
          }: the master dedupes events it already queued`,
        ],
      }
    },
  },
  {
    name: 'activity-subscribe',
    args: ['<webhook_id>', '<event_type>'],
    summary: `X Activity API: deliver the bot's <event_type> events to the webhook (${BOT_EVENT_TYPES.join(', ')})`,
    // Private events (DMs, mentions) need the user's own authorization: OAuth 1.0a as the bot.
    auth: 'user',
    async run({ call, x }, [id, eventType]) {
      const webhookId = needId(id, 'webhook_id')
      if (!eventType || !EVENT_TYPE.test(eventType))
        throw new UsageError(
          `event_type must look like dm.received (bot types: ${BOT_EVENT_TYPES.join(', ')})`,
        )
      const userId = await x.botUserId()
      const body = {
        event_type: eventType,
        filter: { user_id: userId },
        tag: `tweetbot ${eventType}`,
        webhook_id: webhookId,
      }
      const res = await call('post', 'activity/subscriptions', body)
      // The quickstart shows data:{subscription_id,...}; the spec wraps it in data.subscription.
      const data = asObj(res.data)
      const sub = asObj(data.subscription ?? (Array.isArray(res.data) ? res.data[0] : data))
      const lines = [
        `activity subscription ${str(sub.subscription_id ?? sub.id)}: ${activityRow({ ...body, ...sub })}`,
      ]
      if (!BOT_EVENT_TYPES.includes(eventType))
        lines.push(
          `note: the master acknowledges but ignores ${eventType} (and X may bill each event)`,
        )
      return { data: res, lines }
    },
  },
  appList({
    name: 'activity-list',
    summary: "X Activity API: list the app's subscriptions",
    path: 'activity/subscriptions',
    hint: 'no activity subscriptions (bun run webhook activity-subscribe <webhook_id> dm.received)',
    heading: (n, res) =>
      `${counted(asObj(res.meta).total_subscriptions ?? n, 'activity subscription')}:`,
    row: activityRow,
  }),
  {
    name: 'activity-delete',
    args: ['<subscription_id>'],
    summary: 'X Activity API: delete a subscription',
    auth: 'app',
    async run({ call }, [id]) {
      const res = await call('delete', `activity/subscriptions/${needId(id, 'subscription_id')}`)
      return { data: res, lines: [`deleted activity subscription ${id}`] }
    },
  },
]

export const usage = () =>
  [
    'usage: bun run webhook <command> [args] [--json]',
    '',
    ...COMMANDS.map(
      (c) =>
        `  ${[c.name, ...c.args].join(' ').padEnd(44)} ${c.summary} [${c.auth === 'app' ? 'app bearer' : 'bot OAuth 1.0a'}]`,
    ),
    '',
    'env: TWITTER_BEARER_TOKEN (or TWITTER_CONSUMER_KEY + TWITTER_CONSUMER_SECRET) for app calls;',
    '     TWITTER_CONSUMER_KEY/SECRET + TWITTER_ACCESS_TOKEN/_SECRET (the bot) for user calls;',
    '     TWITTER_BOT_USER_ID (optional), TWITTER_API_BASE_URL (default https://api.x.com),',
    '     TWITTER_CA_FILE (extra CA to trust, e.g. a local fake X API)',
  ].join('\n')
