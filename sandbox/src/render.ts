import type { JobEvent } from '@tweetbot/common/job-events'
import { html, raw } from 'hono/html'
import type { HtmlEscapedString } from 'hono/utils/html'
import { predictedAt, type SandboxMessage } from './messages.ts'
import type { StackStatus } from './status.ts'

type Html = HtmlEscapedString | Promise<HtmlEscapedString>

const ms = (n: number) => `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`
const plus = (n: number) => `+${ms(n)}`

/** The master's answer in words: what the dedupe did with this POST. */
const describeAnswer = (answer: unknown): string => {
  if (!answer || typeof answer !== 'object') return String(answer ?? '')
  const a = answer as Record<string, unknown>
  if (typeof a.error === 'string') return a.error
  const parts = ['queued', 'duplicate', 'ignored', 'rejected', 'failed']
    .filter((k) => typeof a[k] === 'number' && (a[k] as number) > 0)
    .map((k) => `${k} ${a[k]}`)
  return parts.join(', ') || 'nothing to do'
}

const STAGE_NAMES: Record<string, string> = {
  lookup: 'Media looked up at X',
  download: 'Photo downloaded',
  preprocess: 'Preprocessed',
  predict: 'Predicted',
  reply: 'Reply posted to X',
}

type Row = { label: string; value: string; bar?: number; cls?: string; t: number }

/**
 * The timeline rows, in the order things ended: only figures the stack reported (the master's
 * answer, the workers' job events, what the fake X received). Times are from the first POST.
 */
const timelineRows = (m: SandboxMessage): Row[] => {
  const t0 = m.deliveries[0]?.at ?? m.createdAt
  const rows: Row[] = m.deliveries.map((d, i) => ({
    label: i === 0 ? 'Webhook answered' : 'Sent again',
    value: `${d.status} in ${ms(d.ms)}: ${describeAnswer(d.answer)}`,
    cls: i === 0 ? 'delivery' : 'delivery again',
    t: d.at + d.ms,
  }))
  const stages = m.events.filter(
    (e): e is Extract<JobEvent, { type: 'stage' }> => e.type === 'stage',
  )
  const longest = Math.max(1, ...stages.map((s) => s.ms))
  for (const e of m.events) {
    if (e.type === 'taken') {
      if (e.enqueuedAt !== undefined)
        rows.push({
          label: 'Queued by the master',
          value: plus(e.enqueuedAt - t0),
          t: e.enqueuedAt,
        })
      const waited = e.enqueuedAt !== undefined ? `, ${ms(e.at - e.enqueuedAt)} in the queue` : ''
      rows.push({
        label: `Reserved by ${e.worker}`,
        value: `${plus(e.at - t0)}${waited}${e.attempt > 0 ? ` (attempt ${e.attempt + 1})` : ''}`,
        cls: 'taken',
        t: e.at,
      })
    } else if (e.type === 'stage')
      rows.push({
        label: `${STAGE_NAMES[e.stage] ?? e.stage}${e.ok ? '' : ' (failed)'}`,
        value: ms(e.ms),
        bar: e.ms / longest,
        cls: `stage stage-${e.stage}`,
        t: e.startedAt + e.ms,
      })
    else if (e.type === 'finished')
      rows.push({
        label: `Job ${e.outcome}`,
        value: `${plus(e.at - t0)}${e.reason ? `: ${e.reason}` : ''}`,
        cls: `finished ${e.outcome}`,
        t: e.at,
      })
  }
  for (const r of m.replies)
    rows.push({
      label: `X received ${r.endpoint}`,
      value: plus(r.at - t0),
      cls: 'received',
      t: r.at,
    })
  // Stable sort: rows that end together keep the order they were reported in.
  return rows.sort((a, b) => a.t - b.t)
}

const scoresList = (m: SandboxMessage): Html | string => {
  const e = m.events.findLast((x) => x.type === 'scores')
  if (e?.type !== 'scores') return ''
  const ranked = e.scores
    .map((score, i) => ({ label: e.labels[i] ?? `class ${i}`, score }))
    .sort((a, b) => b.score - a.score)
  return html`<h4>Model scores</h4>
    <ul class="scores">
      ${ranked.map(
        (r) =>
          html`<li>
            <span class="label">${r.label}</span>
            <span class="pct">${(r.score * 100).toFixed(1)}%</span>
            <span class="bar" aria-hidden="true"><span style="width:${(r.score * 100).toFixed(1)}%"></span></span>
          </li>`,
      )}
    </ul>`
}

const botReplies = (m: SandboxMessage): Html => {
  if (m.replies.length === 0) {
    const done = m.events.findLast((e) => e.type === 'finished')
    const note =
      done?.type !== 'finished'
        ? 'Waiting for the bot…'
        : done.outcome !== 'replied'
          ? `No reply: ${done.outcome}${done.reason ? ` (${done.reason})` : ''}`
          : // In load-testing mode the worker forms the reply and sends it nowhere.
            'The worker finished the job as replied, but nothing reached the fake X (load-testing mode?)'
    return html`<p class="waiting">${note}</p>`
  }
  return html`${m.replies.map(
    (r) => html`<p class="reply"><span class="who">@imagebot</span> ${r.text}</p>`,
  )}`
}

/** One message with the bot's answer and its timeline: the unit the page updates. */
export const renderMessage = (m: SandboxMessage): Html => {
  const predicted = predictedAt(m)
  const rows = timelineRows(m)
  return html`<li class="msg" id="m-${m.id}" data-id="${m.id}" data-replies="${m.replies.length}"${
    predicted !== undefined ? raw(` data-predicted-at="${predicted}"`) : ''
  }>
    <div class="user">
      <p class="meta">${m.kind === 'dm' ? 'DM' : 'Mention'} · ${m.api.toUpperCase()} · event ${m.id}</p>
      ${m.photo ? html`<img src="${m.photo.path}" alt="Your photo" loading="lazy">` : ''}
      ${m.text ? html`<p class="text">${m.kind === 'mention' ? '@imagebot ' : ''}${m.text}</p>` : ''}
    </div>
    <div class="bot">${botReplies(m)}</div>
    <details class="timeline">
      <summary>Timeline (${rows.length} steps)</summary>
      <ol>
        ${rows.map(
          (r) =>
            html`<li class="${r.cls ?? ''}"><span class="label">${r.label}</span> <span class="value">${r.value}</span>${
              r.bar !== undefined
                ? html`<span class="bar" aria-hidden="true"><span style="width:${(r.bar * 100).toFixed(1)}%"></span></span>`
                : ''
            }</li>`,
        )}
        <li class="shown" hidden><span class="label">Shown in this page</span> <span class="value"></span></li>
      </ol>
      ${scoresList(m)}
    </details>
    <form method="post" action="/api/messages/${m.id}/resend" class="resend">
      <button type="submit">Send the same delivery again</button>
    </form>
  </li>`
}

const depth = (s: StackStatus, state: 'pending' | 'processing' | 'delayed' | 'dead') =>
  s.queues ? String(s.queues.chat[state] + s.queues.tweet[state]) : '?'

/** The status strip: queue depths, workers ready, model, load-testing mode. */
export const renderStatus = (s: StackStatus): Html => {
  const ready = s.workers.filter((w) => w.ready).length
  const loadTesting = s.workers.some((w) => w.loadTestingMode === true)
  const available = s.model.versions.filter((v) => v.state === 'AVAILABLE').map((v) => v.version)
  const model = s.model.error
    ? `${s.model.name}: ${s.model.error}`
    : `${s.model.name} v${available.join(', v') || '(none available)'}`
  return html`<dl class="status" id="status" data-at="${s.at}">
    <div><dt>Pending</dt><dd data-k="pending">${depth(s, 'pending')}</dd></div>
    <div><dt>Processing</dt><dd data-k="processing">${depth(s, 'processing')}</dd></div>
    <div><dt>Delayed</dt><dd data-k="delayed">${depth(s, 'delayed')}</dd></div>
    <div><dt>Dead</dt><dd data-k="dead">${depth(s, 'dead')}</dd></div>
    <div><dt>Workers ready</dt><dd data-k="workers">${ready}/${s.workers.length}</dd></div>
    <div><dt>Model</dt><dd data-k="model">${model}</dd></div>
    <div><dt>Load-testing mode</dt><dd data-k="load-testing">${loadTesting ? 'on (replies go nowhere)' : 'off'}</dd></div>
    ${s.queueError ? html`<div><dt>Redis</dt><dd>${s.queueError}</dd></div>` : ''}
  </dl>`
}

/** The whole page, server-rendered; the script only streams updates into it. */
export const renderPage = (o: {
  messages: SandboxMessage[]
  status: StackStatus
  xUrl: string
}): Html => html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tf-tweetbot sandbox</title>
<link rel="stylesheet" href="/static/app.css">
<script src="/static/app.js" defer></script>
</head>
<body>
<header>
  <h1>tf-tweetbot sandbox</h1>
  <p>A stand-in X on this machine: your photo goes to the real master as a signed delivery, the
  workers and the model answer it, and the reply they post to the fake X API (${o.xUrl}) shows up here.</p>
  ${renderStatus(o.status)}
</header>
<main>
  <form id="send" method="post" action="/api/messages" enctype="multipart/form-data">
    <div class="drop" id="drop">
      <label for="photo">Photo</label>
      <input type="file" id="photo" name="photo" accept="image/*">
      <p class="hint">or drop a photo anywhere on the page</p>
    </div>
    <label for="text">Text (optional)</label>
    <input type="text" id="text" name="text" maxlength="200" autocomplete="off">
    <fieldset>
      <legend>Send as</legend>
      <label><input type="radio" name="kind" value="dm" checked> DM</label>
      <label><input type="radio" name="kind" value="mention"> Mention</label>
    </fieldset>
    <fieldset>
      <legend>Payload format</legend>
      <label><input type="radio" name="api" value="aaa" checked> AAA (Account Activity API)</label>
      <label><input type="radio" name="api" value="xaa"> XAA (X Activity API)</label>
    </fieldset>
    <button type="submit">Send</button>
    <p id="send-error" role="alert" class="error"></p>
  </form>
  <h2>Messages</h2>
  <ol id="messages" class="messages" aria-live="polite">
    ${o.messages.map(renderMessage)}
  </ol>
</main>
</body>
</html>`
