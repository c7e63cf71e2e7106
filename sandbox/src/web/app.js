// The page works without this script (plain form posts); with it, sending stays on the page,
// photos can be dropped anywhere, and messages update live from /api/stream.
const list = document.getElementById('messages')
const form = document.getElementById('send')
const input = document.getElementById('photo')
const error = document.getElementById('send-error')

/** Milliseconds from the worker's prediction to the reply being in the page, shown in its timeline. */
const noteShown = (li) => {
  const predicted = Number(li.dataset.predictedAt)
  if (!predicted || Number(li.dataset.replies) === 0 || li.dataset.shownAt) return
  const shown = performance.timeOrigin + performance.now()
  li.dataset.shownAt = String(shown)
  li.dataset.predictionToPageMs = String(Math.round(shown - predicted))
}

const showDelay = (li) => {
  const row = li.querySelector('.timeline li.shown')
  if (!row || !li.dataset.predictionToPageMs) return
  row.hidden = false
  row.querySelector('.value').textContent =
    `${li.dataset.predictionToPageMs} ms after the prediction`
}

const upsert = (id, html, measure = true) => {
  const old = document.getElementById(`m-${id}`)
  const tpl = document.createElement('template')
  tpl.innerHTML = html.trim()
  const li = tpl.content.firstElementChild
  if (old) {
    // Keep what the reader chose (open timeline) and what was measured in this page.
    const open = old.querySelector('details')?.open
    if (open) li.querySelector('details').open = true
    for (const k of ['shownAt', 'predictionToPageMs'])
      if (old.dataset[k]) li.dataset[k] = old.dataset[k]
    old.replaceWith(li)
  } else list.append(li)
  // Only a reply seen arriving is timed; a snapshot may hold replies that came in earlier.
  if (measure && (!old || old.dataset.replies === '0')) noteShown(li)
  showDelay(li)
}

const stream = new EventSource('/api/stream')
stream.addEventListener('message', (e) => {
  const { id, html } = JSON.parse(e.data)
  upsert(id, html)
})
stream.addEventListener('snapshot', (e) => {
  const { id, html } = JSON.parse(e.data)
  upsert(id, html, false)
})

const send = async (url, body) => {
  error.textContent = ''
  const res = await fetch(url, { method: 'POST', body, headers: { accept: 'application/json' } })
  if (!res.ok) {
    const answer = await res.json().catch(() => ({}))
    error.textContent = answer.error || `the sandbox answered ${res.status}`
    return undefined
  }
  return res.json()
}

form.addEventListener('submit', async (e) => {
  e.preventDefault()
  const button = form.querySelector('button[type=submit]')
  button.disabled = true
  try {
    const sent = await send(form.action, new FormData(form))
    if (sent) {
      input.value = ''
      form.elements.text.value = ''
    }
  } finally {
    button.disabled = false
  }
})

list.addEventListener('submit', (e) => {
  if (!e.target.matches('form.resend')) return
  e.preventDefault()
  void send(e.target.action)
})

// Drop a photo anywhere: it becomes the file input's choice, so the form sends it as usual.
document.addEventListener('dragover', (e) => {
  e.preventDefault()
  document.body.classList.add('dragging')
})
document.addEventListener('dragleave', () => document.body.classList.remove('dragging'))
document.addEventListener('drop', (e) => {
  e.preventDefault()
  document.body.classList.remove('dragging')
  if (e.dataTransfer?.files.length) input.files = e.dataTransfer.files
})

const refreshStatus = async () => {
  const res = await fetch('/fragments/status').catch(() => undefined)
  if (res?.ok)
    document
      .getElementById('status')
      ?.replaceWith(
        Object.assign(document.createElement('template'), { innerHTML: (await res.text()).trim() })
          .content.firstElementChild,
      )
}
// Each refresh asks Redis, every worker and tf-serving: a page in a background tab skips it.
setInterval(() => {
  if (!document.hidden) void refreshStatus()
}, 2000)
