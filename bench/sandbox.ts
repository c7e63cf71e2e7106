// `bun run bench:sandbox [N]`: how soon a reply shows in the sandbox page after the model's
// prediction. The real stack (redis-server, tf-serving with the default model, master, both
// workers) behind the sandbox, the page in headless Chromium; N photos (default 20) sent one
// after another through the file input. Per photo: the worker's predict end (its job event),
// the fake X receiving the reply, and the page showing it (the page's own clock; all three are
// this machine's wall clock). Prints p50/p95/max of each step. Needs Chromium (`make setup`).
import { predictedAt } from '../sandbox/src/messages.ts'
import { hasChromium, launchChromium } from '../sandbox/test/chromium.ts'
import { makePhoto, startSandboxStack } from '../sandbox/test/helpers.ts'
import { percentileOf } from './stats.ts'

const N = Number(process.argv[2] ?? process.env.BENCH_PHOTOS ?? 20)
if (!hasChromium) {
  console.error('bench:sandbox: no Chromium found; run `make setup` or set CHROMIUM_PATH')
  process.exit(2)
}

const env = await startSandboxStack()
const browser = await launchChromium({ width: 800, height: 900 })
try {
  const page = browser.pages()[0] ?? (await browser.newPage())
  await page.goto(env.sandbox.url)
  const toX: number[] = []
  const xToPage: number[] = []
  const total: number[] = []
  for (let i = 0; i < N; i++) {
    await page.locator('#photo').setInputFiles({
      name: `photo-${i}.jpg`,
      mimeType: 'image/jpeg',
      buffer: Buffer.from(await makePhoto(100 + i)),
    })
    await page.locator('#send button[type=submit]').click()
    const li = page.locator('#messages > li.msg').nth(i)
    await li.locator('p.reply').waitFor({ timeout: 30_000 })
    const id = (await li.getAttribute('data-id')) ?? ''
    const shownAt = Number(await li.getAttribute('data-shown-at'))
    const m = env.sandbox.store.get(id)
    const predicted = m && predictedAt(m)
    const received = m?.replies[0]?.at
    if (!predicted || !received || !shownAt) throw new Error(`message ${id}: missing a timestamp`)
    toX.push(received - predicted)
    xToPage.push(shownAt - received)
    total.push(shownAt - predicted)
  }
  const row = (name: string, xs: number[]) =>
    `${name.padEnd(34)} p50 ${percentileOf(xs, 50).toFixed(0).padStart(4)} ms   p95 ${percentileOf(xs, 95).toFixed(0).padStart(4)} ms   max ${Math.max(
      ...xs,
    )
      .toFixed(0)
      .padStart(4)} ms`
  console.info(`bench:sandbox: ${N} photos, one at a time`)
  console.info(row('prediction → fake X has the reply', toX))
  console.info(row('fake X has it → shown in the page', xToPage))
  console.info(row('prediction → shown in the page', total))
} finally {
  await browser.close()
  await env.stop()
}
