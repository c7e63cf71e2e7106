import type { QueueName } from '@tweetbot/common/queue/producer'
import { testCertificate } from './self-signed-cert.ts'

/**
 * A fake X API for tests: an HTTPS server on 127.0.0.1 with a certificate made at run time
 * (twitter-api-v2 sends through Node's https module and refuses http:// URLs). It records every
 * request and answers the endpoints the bot uses like X does; tests script other answers
 * (429 with a reset, 403, a slow answer, anything) with `respondWith`.
 *
 * Default answers: `POST /2/dm_conversations/with/:id/messages` and `…/:id/messages` (201),
 * `POST /1.1/direct_messages/events/new.json`, `POST /2/tweets` (201, echoing the text),
 * `GET /2/users/me` (the bot), `GET /2/dm_conversations/with/:id/dm_events` (the bot's DMs to
 * that user recorded so far, including ones still being answered), `GET /2/users/:bot_id/tweets`
 * (the bot's tweets recorded so far, likewise, newest first, with `referenced_tweets` replied_to
 * for replies; honours `start_time`, `max_results`, `pagination_token`; other users: none),
 * GETs of `media` paths; anything else 404 in X's v2 error shape. "Recorded so far, including
 * ones still being answered" models an X that has posted a request once it arrived.
 *
 * Point a client at it with TWITTER_API_BASE_URL=`fake.url` and trust `fake.caCert`
 * (workers: TWITTER_CA_FILE; twitter-api-v2: `new https.Agent({ ca })`; fetch: `{ tls: { ca } }`).
 * Never by turning TLS verification off.
 *
 * @example
 * const x = await startFakeXApi()
 * x.respondWith({ method: 'POST', path: '/2/tweets', status: 429,
 *   headers: { 'x-rate-limit-limit': '100', 'x-rate-limit-remaining': '0',
 *              'x-rate-limit-reset': String(Math.ceil(Date.now() / 1000) + 2) } })
 * // … the next POST /2/tweets gets the 429, the one after that the default 201.
 * await x.waitForReplies(1)
 * await x.stop()
 */

export interface RecordedRequest {
  method: string
  /** Path without the query, e.g. `/2/dm_conversations/with/42/messages`. */
  path: string
  query: Record<string, string>
  /** Lower-cased header names. */
  headers: Record<string, string>
  /** Raw body text ('' when none). */
  body: string
  /** The body parsed as JSON, when it is JSON. */
  json?: unknown
  /** What the fake answered (0 while the answer is pending, e.g. during `delayMs`). */
  status: number
  at: number
}

export interface FakeXRule {
  /** Matches any method when absent. */
  method?: string
  /** Exact path or a pattern; matches any path when absent. */
  path?: string | RegExp
  /** How many requests this rule answers before it is used up (default 1; Infinity = forever). */
  times?: number
  status?: number
  headers?: Record<string, string>
  /** JSON-serialised unless a string or bytes. */
  body?: unknown
  /** Wait this long before answering (timeouts, slow X). */
  delayMs?: number
  /**
   * Full control: build the answer from the request (status/headers/body are then ignored);
   * `asUsual()` is what the fake would have answered without this rule.
   */
  respond?: (req: RecordedRequest, asUsual: () => Response) => Response | Promise<Response>
}

export interface FakeXMedia {
  body: Uint8Array<ArrayBuffer>
  contentType: string
}

export interface FakeXApiOptions {
  /** Port on 127.0.0.1 (default 0: any free one). */
  port?: number
  /** The bot account answered by `GET /2/users/me` and used as DM sender in default answers. */
  bot?: { id: string; username: string; name?: string }
  /** Files served on GET by path, e.g. DM media under `/1.1/ton/data/dm/…`. */
  media?: Record<string, FakeXMedia>
}

export interface FakeXApi {
  /** `https://127.0.0.1:<port>` (no trailing slash). */
  url: string
  port: number
  /** PEM certificate to trust (self-signed: it is its own CA). */
  caCert: string
  /** Every request received, in order (live array). */
  requests: RecordedRequest[]
  /** Queues a scripted answer; rules are tried in the order given, before the defaults. */
  respondWith(rule: FakeXRule): void
  /** Drops every scripted rule not used up yet. */
  clearRules(): void
  /** Forgets recorded requests and rules. */
  reset(): void
  /** Adds or replaces a file served on GET. */
  setMedia(path: string, media: FakeXMedia): void
  /** Recorded replies the bot sent: DMs (v2 and v1.1) and tweets, whatever the fake answered. */
  replies(): RecordedRequest[]
  /** Resolves when `count` requests matching `filter` were recorded (default: replies answered 2xx). */
  waitForRequests(
    count: number,
    filter?: (r: RecordedRequest) => boolean,
    timeoutMs?: number,
  ): Promise<RecordedRequest[]>
  /** Same as `waitForRequests(count)` with the default filter: accepted replies. */
  waitForReplies(count: number, timeoutMs?: number): Promise<RecordedRequest[]>
  stop(): Promise<void>
}

/** The endpoints replies are posted to: DMs (v2 by participant or conversation, v1.1), tweets. */
export const REPLY_PATH =
  /^\/(2\/dm_conversations\/(with\/)?[^/]+\/messages|1\.1\/direct_messages\/events\/new\.json|2\/tweets)$/

export const isReplyRequest = (r: RecordedRequest) => r.method === 'POST' && REPLY_PATH.test(r.path)

/**
 * What a reply request answers: a tweet (`queue: 'tweet'`, its id) or a user by DM
 * (`queue: 'chat'`, the recipient), whichever of the bot's shapes it is (v2 tweet, v2 DM, v1.1 DM).
 * Undefined for anything else.
 */
export const replyTarget = (r: {
  method: string
  path: string
  json?: unknown
}): { queue: QueueName; target: string } | undefined => {
  if (r.method !== 'POST') return undefined
  const dm = /^\/2\/dm_conversations\/with\/([^/]+)\/messages$/.exec(r.path)
  if (dm?.[1]) return { queue: 'chat', target: dm[1] }
  const body = r.json as
    | {
        reply?: { in_reply_to_tweet_id?: string }
        event?: { message_create?: { target?: { recipient_id?: string } } }
      }
    | undefined
  const to =
    r.path === '/2/tweets'
      ? body?.reply?.in_reply_to_tweet_id
      : r.path === '/1.1/direct_messages/events/new.json'
        ? body?.event?.message_create?.target?.recipient_id
        : undefined
  if (!to) return undefined
  return { queue: r.path === '/2/tweets' ? 'tweet' : 'chat', target: to }
}

const is2xx = (status: number) => status >= 200 && status < 300

const isAccepted = (r: RecordedRequest) => isReplyRequest(r) && is2xx(r.status)

/** Accepted, or still being answered (a client that dies waiting may still have posted it). */
const isAcceptedOrPending = (r: RecordedRequest) => r.status === 0 || is2xx(r.status)

const matches = (rule: FakeXRule, req: RecordedRequest) =>
  (!rule.method || rule.method.toUpperCase() === req.method) &&
  (!rule.path ||
    (typeof rule.path === 'string' ? rule.path === req.path : rule.path.test(req.path)))

const toResponse = (rule: FakeXRule): Response => {
  const status = rule.status ?? 200
  const headers = new Headers(rule.headers)
  if (rule.body === undefined) return new Response(null, { status, headers })
  if (typeof rule.body === 'string' || rule.body instanceof Uint8Array)
    return new Response(rule.body as string | Uint8Array<ArrayBuffer>, { status, headers })
  if (!headers.has('content-type')) headers.set('content-type', 'application/json')
  return new Response(JSON.stringify(rule.body), { status, headers })
}

export const startFakeXApi = async (opts: FakeXApiOptions = {}): Promise<FakeXApi> => {
  const { cert, key } = await testCertificate()
  const bot = opts.bot ?? { id: '1000', username: 'tweetbot' }
  const media = new Map(Object.entries(opts.media ?? {}))
  const requests: RecordedRequest[] = []
  let rules: { rule: FakeXRule; left: number }[] = []
  const waiters = new Set<() => void>()
  let nextId = 1_900_000_000_000_000_000n

  const defaultAnswer = (req: RecordedRequest): Response => {
    const id = String(nextId++)
    if (req.method === 'POST' && /^\/2\/dm_conversations\/(with\/)?[^/]+\/messages$/.test(req.path))
      return Response.json(
        { data: { dm_conversation_id: `${bot.id}-x`, dm_event_id: id } },
        { status: 201 },
      )
    if (req.method === 'POST' && req.path === '/1.1/direct_messages/events/new.json')
      return Response.json({ event: { type: 'message_create', id, message_create: req.json } })
    if (req.method === 'POST' && req.path === '/2/tweets') {
      const text = (req.json as { text?: string } | undefined)?.text ?? ''
      return Response.json({ data: { id, text, edit_history_tweet_ids: [id] } }, { status: 201 })
    }
    const conversation = /^\/2\/dm_conversations\/with\/([^/]+)\/dm_events$/.exec(req.path)
    if (req.method === 'GET' && conversation) {
      // The bot's DMs to that user that X accepted (or is still answering), newest first.
      const sent = requests
        .filter(
          (r) =>
            r.method === 'POST' &&
            r.path === `/2/dm_conversations/with/${conversation[1]}/messages` &&
            isAcceptedOrPending(r),
        )
        .reverse()
        .map((r, i) => ({
          id: `${r.at}${i}`,
          event_type: 'MessageCreate',
          text: (r.json as { text?: string } | undefined)?.text ?? '',
          sender_id: bot.id,
          created_at: new Date(r.at).toISOString(),
          dm_conversation_id: `${bot.id}-${conversation[1]}`,
        }))
      return Response.json({ data: sent, meta: { result_count: sent.length } })
    }
    const timeline = /^\/2\/users\/([^/]+)\/tweets$/.exec(req.path)
    if (req.method === 'GET' && timeline && timeline[1] !== 'me') {
      const start = req.query.start_time ? Date.parse(req.query.start_time) : 0
      const all = requests
        .filter(
          (r) =>
            timeline[1] === bot.id &&
            r.method === 'POST' &&
            r.path === '/2/tweets' &&
            isAcceptedOrPending(r) &&
            r.at >= start,
        )
        .reverse()
        .map((r, i) => {
          const replyTo = replyTarget(r)?.target
          return {
            id: `${r.at}${i}`,
            text: (r.json as { text?: string } | undefined)?.text ?? '',
            author_id: bot.id,
            created_at: new Date(r.at).toISOString(),
            ...(replyTo ? { referenced_tweets: [{ type: 'replied_to', id: replyTo }] } : {}),
          }
        })
      const size = Math.min(100, Math.max(5, Number(req.query.max_results) || 10))
      const from = Number(req.query.pagination_token) || 0
      const data = all.slice(from, from + size)
      const next = from + size < all.length ? { next_token: String(from + size) } : {}
      return Response.json({
        ...(data.length ? { data } : {}),
        meta: { result_count: data.length, ...next },
      })
    }
    if (req.method === 'GET' && req.path === '/2/users/me')
      return Response.json({
        data: { id: bot.id, username: bot.username, name: bot.name ?? bot.username },
      })
    const file = req.method === 'GET' ? media.get(req.path) : undefined
    if (file) return new Response(file.body, { headers: { 'content-type': file.contentType } })
    return Response.json(
      {
        title: 'Not Found Error',
        detail: `fake X has no answer for ${req.method} ${req.path}`,
        status: 404,
      },
      { status: 404 },
    )
  }

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: opts.port ?? 0,
    tls: { cert, key },
    fetch: async (request) => {
      const url = new URL(request.url)
      const body = await request.text()
      let json: unknown
      try {
        json = body ? JSON.parse(body) : undefined
      } catch {
        json = undefined
      }
      const recorded: RecordedRequest = {
        method: request.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: Object.fromEntries(request.headers),
        body,
        json,
        status: 0,
        at: Date.now(),
      }
      // Recorded on arrival (status 0 until answered): a client that dies while waiting for the
      // answer still leaves its request here, as it would at X.
      requests.push(recorded)
      for (const wake of waiters) wake()
      const slot = rules.find((r) => r.left > 0 && matches(r.rule, recorded))
      if (slot) slot.left--
      rules = rules.filter((r) => r.left > 0)
      if (slot?.rule.delayMs) await Bun.sleep(slot.rule.delayMs)
      const response = slot
        ? slot.rule.respond
          ? await slot.rule.respond(recorded, () => defaultAnswer(recorded))
          : toResponse(slot.rule)
        : defaultAnswer(recorded)
      recorded.status = response.status
      for (const wake of waiters) wake()
      return response
    },
  })

  const waitForRequests: FakeXApi['waitForRequests'] = (
    count,
    filter = isAccepted,
    timeoutMs = 30_000,
  ) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = requests.filter(filter)
        if (found.length < count) return false
        cleanup()
        resolve(found)
        return true
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(
          new Error(
            `fake X: ${requests.filter(filter).length} of ${count} expected requests within ${timeoutMs} ms`,
          ),
        )
      }, timeoutMs)
      const cleanup = () => {
        clearTimeout(timer)
        waiters.delete(wake)
      }
      const wake = () => void check()
      if (!check()) waiters.add(wake)
    })

  return {
    url: `https://127.0.0.1:${server.port}`,
    port: server.port as number,
    caCert: cert,
    requests,
    respondWith: (rule) => {
      rules.push({ rule, left: rule.times ?? 1 })
    },
    clearRules: () => {
      rules = []
    },
    reset: () => {
      rules = []
      requests.length = 0
    },
    setMedia: (path, file) => {
      media.set(path, file)
    },
    replies: () => requests.filter(isReplyRequest),
    waitForRequests,
    waitForReplies: (count, timeoutMs) => waitForRequests(count, isAccepted, timeoutMs),
    stop: async () => {
      await server.stop(true)
    },
  }
}
