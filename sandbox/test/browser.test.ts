// The sandbox page in real headless Chromium (Debian's `chromium`, installed by `make setup`),
// driven by playwright-core, against the real bot: upload a JPEG through the file input, send a
// mention, send a delivery again. Skipped, saying why, only when no Chromium is installed.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { CHROMIUM, hasChromium, launchChromium } from './chromium.ts'
import { makePhoto, type SandboxStack, startSandboxStack } from './helpers.ts'

if (!hasChromium)
  console.warn(
    `sandbox/test/browser.test.ts: SKIPPED: no Chromium at ${CHROMIUM}; run 'make setup' (apt-get install chromium) or set CHROMIUM_PATH`,
  )

const OUT = resolve(import.meta.dir, '../../load_test/out')
/** The narrowest phone width the page must stay readable at. */
const WIDTH = 360

describe.skipIf(!hasChromium)('sandbox page in headless Chromium', () => {
  let env: SandboxStack
  let browser: BrowserContext
  let page: Page
  let jpeg: Buffer
  const predictionToPageMs: number[] = []

  beforeAll(async () => {
    env = await startSandboxStack()
    jpeg = Buffer.from(await makePhoto(11, 480, 360))
    browser = await launchChromium({ width: WIDTH, height: 780 })
    page = browser.pages()[0] ?? (await browser.newPage())
    // Anything the page asks for outside the sandbox would show up here.
    page.on('request', (r) => {
      if (!r.url().startsWith(env.sandbox.url)) throw new Error(`page requested ${r.url()}`)
    })
    await page.goto(env.sandbox.url)
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await env?.stop()
    if (predictionToPageMs.length > 0)
      console.info(
        `sandbox: prediction → reply in the page: ${predictionToPageMs.map((n) => `${n} ms`).join(', ')}`,
      )
  })

  /** The reply in message `n` (1-based, oldest first), once the bot's answer is in the page. */
  const replyOf = async (n: number) => {
    const msg = page.locator('#messages > li.msg').nth(n - 1)
    await msg.locator('.reply').first().waitFor({ timeout: 30_000 })
    const shownMs = await msg.getAttribute('data-prediction-to-page-ms')
    if (shownMs) predictionToPageMs.push(Number(shownMs))
    return msg
  }

  test('the status strip shows the running stack', async () => {
    const status = page.locator('#status')
    await expect(status.locator('[data-k="workers"]').textContent()).resolves.toBe('2/2')
    await expect(status.locator('[data-k="model"]').textContent()).resolves.toBe('default v1')
    await expect(status.locator('[data-k="load-testing"]').textContent()).resolves.toBe('off')
    // The strip is read again from the stack while the page stays open (no reload).
    const renderedAt = await status.getAttribute('data-at')
    await page.waitForFunction(
      (at) => {
        const now = document.getElementById('status')?.dataset.at
        return now !== undefined && now !== at
      },
      renderedAt,
      { timeout: 10_000 },
    )
    await expect(status.locator('[data-k="workers"]').textContent()).resolves.toBe('2/2')
  })

  test('a JPEG chosen in the file input is answered in the page (keyboard only)', async () => {
    await page.locator('#photo').setInputFiles({
      name: 'photo.jpg',
      mimeType: 'image/jpeg',
      buffer: jpeg,
    })
    await page.locator('#text').focus()
    await page.keyboard.type('what do you see?')
    // Enter in the text field submits the form, as for anyone using the keyboard.
    await page.keyboard.press('Enter')
    const msg = await replyOf(1)
    const reply = await msg.locator('.reply').textContent()
    expect(reply).toMatch(/@imagebot I see \w+ \d+%/)
    // The same text the fake X received from the workers.
    const atX = env.sandbox.x.replies().map((r) => (r.json as { text: string }).text)
    expect(atX.some((t) => reply?.endsWith(t))).toBe(true)
    await expect(msg.locator('img').getAttribute('src')).resolves.toMatch(/^\/media\/\d+\.jpg$/)
    // The timeline: the master's answer, the worker, every stage, the scores.
    await msg.locator('summary').click()
    await expect(msg.locator('.timeline li.delivery').textContent()).resolves.toContain('queued 1')
    await expect(msg.locator('.timeline li.taken').textContent()).resolves.toContain('worker-chat')
    await expect(msg.locator('.timeline li.stage-predict').count()).resolves.toBe(1)
    await expect(msg.locator('.scores li').count()).resolves.toBe(5)
    await expect(msg.locator('.timeline li.shown').textContent()).resolves.toMatch(
      /\d+ ms after the prediction/,
    )
  }, 60_000) // the first photo also pays for the model's first predict

  test('a photo dropped on the page and sent as a mention is answered under it', async () => {
    await page.getByLabel('Mention').check()
    // A drop as the browser delivers it: a DataTransfer holding the JPEG, on the page.
    const dropped = await page.evaluate(async (b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
      const data = new DataTransfer()
      data.items.add(new File([bytes], 'dropped.jpg', { type: 'image/jpeg' }))
      document.body.dispatchEvent(
        new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }),
      )
      const input = document.getElementById('photo') as HTMLInputElement
      return input.files?.[0]?.name
    }, jpeg.toString('base64'))
    expect(dropped).toBe('dropped.jpg')
    await page.locator('#send button[type=submit]').click()
    const msg = await replyOf(2)
    await expect(msg.locator('.meta').textContent()).resolves.toContain('Mention · AAA')
    await expect(msg.locator('.reply').textContent()).resolves.toMatch(/I see /)
  })

  test('sending the same delivery again shows the dedupe and still one reply', async () => {
    const msg = page.locator('#messages > li.msg').first()
    await msg.getByRole('button', { name: 'Send the same delivery again' }).click()
    const again = msg.locator('.timeline li.delivery.again')
    await again.waitFor({ state: 'attached', timeout: 10_000 })
    await expect(again.textContent()).resolves.toContain('duplicate 1')
    await Bun.sleep(1_500)
    await expect(msg.locator('.reply').count()).resolves.toBe(1)
    const id = await msg.getAttribute('data-id')
    expect(env.sandbox.store.get(id!)?.replies).toHaveLength(1)
  })

  test('readable at 360 px: nothing scrolls sideways; a screenshot is saved', async () => {
    const width = await page.evaluate(() => document.documentElement.scrollWidth)
    expect(width).toBeLessThanOrEqual(WIDTH)
    mkdirSync(OUT, { recursive: true })
    await page.screenshot({ path: join(OUT, 'sandbox.png'), fullPage: true })
    writeFileSync(
      join(OUT, 'sandbox-prediction-to-page.json'),
      JSON.stringify({ predictionToPageMs }, null, 2),
    )
    expect(existsSync(join(OUT, 'sandbox.png'))).toBe(true)
  })
})
