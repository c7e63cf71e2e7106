import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { JobEvent } from '@tweetbot/common/job-events'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { type SSEStreamingApi, streamSSE } from 'hono/streaming'
import { buildDelivery, postDelivery } from './deliveries.ts'
import type { MessageKind, MessageStore, PayloadApi, SandboxMessage } from './messages.ts'
import type { PhotoStore } from './photos.ts'
import { renderMessage, renderPage, renderStatus } from './render.ts'
import type { StackStatus } from './status.ts'
import { nextXId } from './x-testing.ts'

/** Where the sandbox sends deliveries and reads status; set once the stack is known. */
export interface SandboxTargets {
  /** The master's `…/webhook` URL. */
  webhookUrl: string
  consumerSecret: string
  status: () => Promise<StackStatus>
}

export interface SandboxAppDeps {
  botId: string
  store: MessageStore
  photos: PhotoStore
  /** The public URL of a photo path, as the workers download it. */
  photoUrl: (path: string) => string
  xUrl: string
  targets: () => SandboxTargets | undefined
  /** Largest photo accepted (the workers' MEDIA_MAX_BYTES default). */
  maxPhotoBytes?: number
}

const WEB = join(import.meta.dir, 'web')
const asset = (name: string) => readFileSync(join(WEB, name), 'utf8')
const MAX_TEXT = 200
const LOOPBACK_HOST = /^(127(\.\d{1,3}){3}|localhost)(:\d{1,5})?$/i

const isKind = (v: unknown): v is MessageKind => v === 'dm' || v === 'mention'
const isApi = (v: unknown): v is PayloadApi => v === 'aaa' || v === 'xaa'

/** Message JSON for the API: the delivery body is left out (it is in `deliveries`' effect). */
const toJson = (m: SandboxMessage) => {
  const { body: _body, ...rest } = m
  return rest
}

/**
 * The sandbox's web side: the page, its assets, the photos the workers download, and the API
 * the page uses (send a message, send it again, stream updates, status).
 */
export const createSandboxApp = (deps: SandboxAppDeps) => {
  const { store, photos } = deps
  const maxBytes = deps.maxPhotoBytes ?? 5 * 1024 * 1024
  const js = asset('app.js')
  const css = asset('app.css')
  const app = new Hono()

  const targets = () => {
    const t = deps.targets()
    if (!t) throw new HTTPException(503, { message: 'the sandbox is not connected to the bot yet' })
    return t
  }
  const send = async (id: string) => {
    const m = store.get(id)
    if (!m) throw new HTTPException(404, { message: `no message ${id}` })
    const t = targets()
    let attempt: SandboxMessage['deliveries'][number]
    try {
      attempt = await postDelivery(t.webhookUrl, t.consumerSecret, m.body)
    } catch (err) {
      throw new HTTPException(502, {
        message: `the master did not answer: ${err instanceof Error ? err.message : String(err)}`,
      })
    }
    // The store hands out the live message: `m` now has this attempt too.
    store.update(id, (x) => x.deliveries.push(attempt))
    return m
  }
  const wantsPage = (accept: string | undefined) =>
    accept?.includes('text/html') === true && !accept.includes('application/json')

  app.onError((err, c) => {
    if (err instanceof HTTPException) return c.json({ error: err.message }, err.status)
    console.error('sandbox: unhandled', err)
    return c.json({ error: 'internal error' }, 500)
  })

  // Loopback is not enough on its own: a web page elsewhere could post to 127.0.0.1 (CSRF) or
  // reach it under its own name (DNS rebinding). So the Host must be a loopback name, and a
  // request that says where it comes from (Origin) must come from this page.
  app.use(async (c, next) => {
    const host = c.req.header('host') ?? ''
    if (!LOOPBACK_HOST.test(host))
      throw new HTTPException(403, { message: `refused: Host ${host || '(none)'} is not loopback` })
    const origin = c.req.header('origin')
    if (c.req.method !== 'GET' && origin && origin !== `http://${host}`)
      throw new HTTPException(403, { message: `refused: cross-site request from ${origin}` })
    await next()
  })

  app.get('/healthz', (c) => c.json({ ok: true, connected: deps.targets() !== undefined }))
  app.get('/static/app.js', (c) => c.body(js, 200, { 'content-type': 'text/javascript' }))
  app.get('/static/app.css', (c) => c.body(css, 200, { 'content-type': 'text/css' }))
  app.get('/media/:name', (c) => {
    const photo = photos.get(c.req.param('name'))
    if (!photo) return c.json({ error: 'no such photo' }, 404)
    return c.body(photo.body, 200, { 'content-type': photo.contentType })
  })

  app.get('/', async (c) => {
    const t = deps.targets()
    const status = t
      ? await t.status()
      : { at: Date.now(), workers: [], model: { name: '?', versions: [], error: 'not connected' } }
    return c.html(renderPage({ messages: store.all(), status, xUrl: deps.xUrl }))
  })
  app.get('/api/status', async (c) => c.json(await targets().status()))
  app.get('/fragments/status', async (c) => c.html(renderStatus(await targets().status())))

  app.get('/api/messages', (c) => c.json(store.all().map(toJson)))
  app.get('/api/messages/:id', (c) => {
    const m = store.get(c.req.param('id'))
    if (!m) throw new HTTPException(404, { message: `no message ${c.req.param('id')}` })
    return c.json(toJson(m))
  })

  app.post('/api/messages', async (c) => {
    targets() // fail before storing anything when the bot is not there
    let form: FormData
    try {
      form = await c.req.formData()
    } catch {
      throw new HTTPException(400, { message: 'expected a multipart/form-data body' })
    }
    const kind = form.get('kind') ?? 'dm'
    const api = form.get('api') ?? 'aaa'
    if (!isKind(kind)) throw new HTTPException(400, { message: 'kind must be dm or mention' })
    if (!isApi(api)) throw new HTTPException(400, { message: 'api must be aaa or xaa' })
    const text = String(form.get('text') ?? '').trim()
    if (text.length > MAX_TEXT)
      throw new HTTPException(400, { message: `text is longer than ${MAX_TEXT} characters` })
    const file = form.get('photo')
    // A form submitted without choosing a file still sends an empty, nameless part.
    const photoFile = file instanceof File && file.size > 0 ? file : undefined
    if (file !== null && !(file instanceof File))
      throw new HTTPException(400, { message: 'photo must be a file' })
    const photoType = photoFile?.type.split(';')[0]?.trim().toLowerCase() ?? ''
    if (photoFile && !photoType.startsWith('image/'))
      throw new HTTPException(415, {
        message: `photo must be an image, got ${photoFile.type || 'no type'}`,
      })
    if (photoFile && photoFile.size > maxBytes)
      throw new HTTPException(413, { message: `photo is larger than ${maxBytes} bytes` })
    if (!photoFile && !text)
      throw new HTTPException(400, { message: 'send a photo, a text, or both' })

    const id = nextXId()
    const userId = nextXId()
    const photo = photoFile
      ? photos.add(id, new Uint8Array(await photoFile.arrayBuffer()), photoType)
      : undefined
    const body = JSON.stringify(
      buildDelivery({
        kind,
        api,
        botId: deps.botId,
        eventId: id,
        userId,
        text: text || (kind === 'mention' ? 'what is this?' : ''),
        photoUrl: photo && deps.photoUrl(photo.path),
      }),
    )
    store.add({
      id,
      kind,
      api,
      text,
      userId,
      photo,
      createdAt: Date.now(),
      body,
      deliveries: [],
      events: [],
      replies: [],
    })
    const m = await send(id)
    if (wantsPage(c.req.header('accept'))) return c.redirect(`/#m-${id}`, 303)
    return c.json(toJson(m), 201)
  })

  app.post('/api/messages/:id/resend', async (c) => {
    const m = await send(c.req.param('id'))
    if (wantsPage(c.req.header('accept'))) return c.redirect(`/#m-${m.id}`, 303)
    return c.json(toJson(m))
  })

  app.get('/api/stream', (c) => streamSSE(c, (stream) => streamMessages(store, stream)))
  return app
}

/**
 * Server-sent events: `snapshot` = { id, html } for every message on connect, then
 * `message` = { id, html, message } whenever one changes.
 */
const streamMessages = async (store: MessageStore, stream: SSEStreamingApi) => {
  // The messages changed since the last write. The store hands out the live object, so a
  // message that changes again before it is written is written once, as it is by then
  // (a photo's timeline is a burst of ~8 job events).
  const changed = new Set<SandboxMessage>()
  let wake: (() => void) | undefined
  const unsubscribe = store.subscribe((m) => {
    changed.add(m)
    wake?.()
  })
  stream.onAbort(() => {
    unsubscribe()
    wake?.()
  })
  // Every message as it is now: what changed between rendering the page and this stream
  // (or while a dropped stream reconnected) is not lost.
  for (const m of store.all())
    await stream.writeSSE({
      event: 'snapshot',
      data: JSON.stringify({ id: m.id, html: String(await renderMessage(m)) }),
    })
  while (!stream.aborted) {
    const [m] = changed
    if (!m) {
      let timer: Timer | undefined
      await new Promise<void>((resolve) => {
        wake = resolve
        timer = setTimeout(resolve, 15_000) // a comment line keeps proxies from closing an idle stream
      })
      clearTimeout(timer)
      wake = undefined
      if (changed.size === 0 && !stream.aborted) await stream.write(': keep-alive\n\n')
      continue
    }
    changed.delete(m)
    const html = await renderMessage(m)
    await stream.writeSSE({
      event: 'message',
      id: String(Date.now()),
      data: JSON.stringify({ id: m.id, html: String(html), message: toJson(m) }),
    })
  }
  unsubscribe()
}

/** Applies one job event from the workers to its message (unknown event ids are not ours). */
export const applyJobEvent = (store: MessageStore, event: JobEvent) =>
  store.update(event.eventId, (m) => m.events.push(event))
