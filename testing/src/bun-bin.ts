import { mkdirSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

let dir: string | undefined

/**
 * A folder holding one entry, `bun`, linked to the Bun running this process, for the PATH of
 * child processes that call `bun` by name (make, shell scripts).
 *
 * `dirname(process.execPath)` is not enough: npm installs Bun as `bun.exe` inside its package and
 * links `bun` from its global bin folder (`/usr/local/bin` on a stock Debian), which a reduced
 * test PATH may not contain.
 */
export const bunBinDir = (): string => {
  if (dir) return dir
  const made = join(tmpdir(), `tweetbot-bun-bin-${process.pid}`)
  mkdirSync(made, { recursive: true })
  try {
    symlinkSync(process.execPath, join(made, 'bun'))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  dir = made
  return made
}
