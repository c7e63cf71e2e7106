import { mkdirSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { signWebhookBody } from '@tweetbot/common/webhook-signature'
import { createIdSource } from '@tweetbot/testing/x-ids'
import { PHOTO_NAMES } from './media-catalog.ts'
import { makePayload, type PayloadKind, syntheticSender } from './payloads.ts'

export type TargetKind = PayloadKind | 'mix'

export interface TargetOptions {
  count: number
  kind: TargetKind
  /** The master's webhook URL, e.g. http://127.0.0.1:8080/webhook */
  url: string
  /** TWITTER_CONSUMER_SECRET of the master under test. */
  secret: string
  mediaBaseUrl: string
  /** How many distinct synthetic senders to rotate through. */
  senders?: number
  /** Start of the id range (ms); defaults to now, so every run has fresh ids. */
  nowMs?: number
}

/** One request, ready to send; `body` is the exact signed bytes. */
export interface Target {
  method: 'POST'
  url: string
  body: string
  header: Record<string, string[]>
  eventId: string
  kind: PayloadKind
}

/** Signed webhook POSTs with distinct event ids; `mix` alternates DMs and mentions. */
export const generateTargets = async (opts: TargetOptions): Promise<Target[]> => {
  if (!Number.isInteger(opts.count) || opts.count < 1)
    throw new Error('count must be a whole number >= 1')
  const nextId = createIdSource(opts.nowMs)
  const senders = opts.senders ?? 100
  const targets: Target[] = []
  for (let i = 0; i < opts.count; i++) {
    const kind: PayloadKind = opts.kind === 'mix' ? (i % 2 === 0 ? 'dm' : 'tweet') : opts.kind
    const eventId = nextId()
    const payload = makePayload(kind, {
      eventId,
      mediaId: nextId(),
      mediaBaseUrl: opts.mediaBaseUrl,
      photo: PHOTO_NAMES[i % PHOTO_NAMES.length]!,
      sender: syntheticSender(i % senders),
    })
    const body = JSON.stringify(payload)
    targets.push({
      method: 'POST',
      url: opts.url,
      body,
      header: {
        'Content-Type': ['application/json'],
        'x-twitter-webhooks-signature': [await signWebhookBody(opts.secret, body)],
      },
      eventId,
      kind,
    })
  }
  return targets
}

/** vegeta's `-format=json` target: one object per line, body base64, headers as arrays. */
export const toVegetaJson = (t: Target) =>
  JSON.stringify({
    method: t.method,
    url: t.url,
    body: Buffer.from(t.body).toString('base64'),
    header: t.header,
  })

/** vegeta's classic http format for one request, its body in a file (`@path`). */
export const toVegetaHttp = (t: Target, bodyPath: string) =>
  [
    `${t.method} ${t.url}`,
    ...Object.entries(t.header).flatMap(([k, vs]) => vs.map((v) => `${k}: ${v}`)),
    `@${bodyPath}`,
    '',
  ].join('\n')

export interface WrittenTargets {
  json: string
  txt: string
  body: string
}

/**
 * Writes `targets.json` (all requests, vegeta JSON format), and `targets.txt` + `body.json`
 * (the first request in vegeta's classic format, as the original README used it).
 */
export const writeTargets = (outDir: string, targets: Target[]): WrittenTargets => {
  const dir = resolve(outDir)
  mkdirSync(dir, { recursive: true })
  const first = targets[0]
  if (!first) throw new Error('no targets to write')
  const files = {
    json: resolve(dir, 'targets.json'),
    txt: resolve(dir, 'targets.txt'),
    body: resolve(dir, 'body.json'),
  }
  writeFileSync(files.json, `${targets.map(toVegetaJson).join('\n')}\n`)
  writeFileSync(files.body, first.body)
  writeFileSync(files.txt, toVegetaHttp(first, files.body))
  return files
}

/** Parses a vegeta JSON targets file back into requests (the autocannon path reads it). */
export const readVegetaJson = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const t = JSON.parse(line) as {
        method: string
        url: string
        body?: string
        header?: Record<string, string[]>
      }
      return {
        method: t.method,
        url: t.url,
        body: t.body ? Buffer.from(t.body, 'base64').toString('utf8') : '',
        headers: Object.fromEntries(
          Object.entries(t.header ?? {}).map(([k, vs]) => [k, vs.join(', ')]),
        ),
      }
    })
