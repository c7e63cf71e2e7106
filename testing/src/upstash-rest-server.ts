// An Upstash-REST-compatible endpoint in front of a real redis-server, for tests of the
// @upstash/redis transport without the internet. It speaks what @upstash/redis sends with its
// default settings (read from its http.ts / pipeline.ts):
//   - `Authorization: Bearer <token>` on every route, else 401 {"error": …}
//   - POST /            body ["CMD", "arg", …]        → {"result": …} or 400 {"error": …}
//   - POST /pipeline    body [["CMD", …], …]          → [{"result": …} | {"error": …}, …]
//   - POST /multi-exec  the same, run in MULTI/EXEC   → same shape; 400 when the whole
//     transaction is refused (e.g. EXECABORT)
//   - `Upstash-Encoding: base64` request header: every string in a result is base64 of its UTF-8
//     bytes, except the status reply "OK", which the client expects verbatim.
// Results are shaped like RESP2 (as Upstash answers): maps become flat arrays, booleans 1/0,
// non-integer numbers strings.

export interface UpstashRestServerOptions {
  redisUrl: string
  /** Bearer token clients must send. @defaultValue a random one */
  token?: string
}

export interface UpstashRestServer {
  /** Base URL, e.g. http://127.0.0.1:43121 */
  url: string
  token: string
  stop(): Promise<void>
}

type Reply = { result: unknown } | { error: string }

const toResp2 = (v: unknown): unknown => {
  if (v === null || v === undefined) return null
  if (typeof v === 'boolean') return v ? 1 : 0
  if (typeof v === 'number') return Number.isInteger(v) ? v : String(v)
  if (typeof v === 'bigint') return Number(v)
  if (Array.isArray(v)) return v.map(toResp2)
  if (v instanceof Uint8Array) return new TextDecoder().decode(v)
  if (typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [k, toResp2(x)])
  return String(v)
}

const encodeBase64 = (v: unknown): unknown => {
  if (typeof v === 'string') return v === 'OK' ? v : Buffer.from(v, 'utf8').toString('base64')
  if (Array.isArray(v)) return v.map(encodeBase64)
  return v
}

const asArgs = (cmd: unknown): [string, string[]] | undefined => {
  if (!Array.isArray(cmd) || cmd.length === 0) return undefined
  const parts = cmd.map((a) => (typeof a === 'string' ? a : JSON.stringify(a)))
  const [name, ...args] = parts
  return name ? [name.toUpperCase(), args] : undefined
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err))

/** Starts the endpoint on 127.0.0.1 with a free port. */
export const startUpstashRestServer = async (
  opts: UpstashRestServerOptions,
): Promise<UpstashRestServer> => {
  const token = opts.token ?? crypto.randomUUID()
  const redis = new Bun.RedisClient(opts.redisUrl)
  // MULTI/EXEC needs a connection nothing else writes to while the transaction is open.
  const txRedis = new Bun.RedisClient(opts.redisUrl)
  let txChain: Promise<unknown> = Promise.resolve()

  const run = async (cmd: unknown): Promise<Reply> => {
    const parsed = asArgs(cmd)
    if (!parsed) return { error: 'ERR command must be a non-empty JSON array' }
    try {
      return { result: toResp2(await redis.send(parsed[0], parsed[1])) }
    } catch (err) {
      return { error: message(err) }
    }
  }

  const multiExec = (cmds: unknown[]): Promise<Reply[] | { error: string }> => {
    const tx = async (): Promise<Reply[] | { error: string }> => {
      const parsed = cmds.map(asArgs)
      if (parsed.some((p) => p === undefined))
        return { error: 'ERR every command must be a non-empty JSON array' }
      await txRedis.send('MULTI', [])
      try {
        for (const p of parsed) await txRedis.send(p![0], p![1])
      } catch (err) {
        await txRedis.send('DISCARD', []).catch(() => {})
        return { error: message(err) }
      }
      try {
        const results = (await txRedis.send('EXEC', [])) as unknown[] | null
        if (!results) return { error: 'ERR transaction aborted' }
        return results.map((r) =>
          r instanceof Error ? { error: r.message } : { result: toResp2(r) },
        )
      } catch (err) {
        return { error: message(err) }
      }
    }
    const next = txChain.then(tx, tx)
    txChain = next.catch(() => {})
    return next
  }

  const json = (body: unknown, status: number, base64: boolean) => {
    const encode = (r: Reply) => ('result' in r && base64 ? { result: encodeBase64(r.result) } : r)
    const out = Array.isArray(body) ? (body as Reply[]).map(encode) : encode(body as Reply)
    return Response.json(out, { status })
  }

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: async (req) => {
      const auth = req.headers.get('authorization') ?? ''
      if (auth !== `Bearer ${token}`)
        return Response.json({ error: 'Unauthorized' }, { status: 401 })
      const path = new URL(req.url).pathname.replace(/\/+$/, '') || '/'
      if (req.method !== 'POST' || !['/', '/pipeline', '/multi-exec'].includes(path))
        return Response.json({ error: 'ERR not found' }, { status: 404 })
      const base64 = req.headers.get('upstash-encoding')?.toLowerCase() === 'base64'
      let body: unknown
      try {
        body = await req.json()
      } catch {
        return Response.json({ error: 'ERR body must be JSON' }, { status: 400 })
      }
      if (path === '/') {
        const reply = await run(body)
        return json(reply, 'error' in reply ? 400 : 200, base64)
      }
      if (!Array.isArray(body) || body.length === 0)
        return Response.json({ error: 'ERR body must be an array of commands' }, { status: 400 })
      if (path === '/pipeline') return json(await Promise.all(body.map(run)), 200, base64)
      const replies = await multiExec(body)
      return Array.isArray(replies) ? json(replies, 200, base64) : json(replies, 400, base64)
    },
  })

  return {
    url: `http://127.0.0.1:${server.port}`,
    token,
    stop: async () => {
      await server.stop(true)
      redis.close()
      txRedis.close()
    },
  }
}
