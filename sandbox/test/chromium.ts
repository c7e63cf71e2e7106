// Debian's Chromium under playwright-core, for the browser test and bench/sandbox.ts. The
// browsers playwright would download are not used: `make setup` installs `chromium` with apt.
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium } from 'playwright-core'

/** The Chromium to drive: CHROMIUM_PATH, else `chromium` on PATH, else Debian's path. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? Bun.which('chromium') ?? '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)

/** Headless, with a fresh profile, nothing running in the background, no network beyond the page's. */
export const launchChromium = (viewport: {
  width: number
  height: number
}): Promise<BrowserContext> =>
  chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'tweetbot-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport,
  })
