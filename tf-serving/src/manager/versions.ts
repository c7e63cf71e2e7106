// Which version folders a model should serve: numeric subfolders of its base path, filtered by
// its version policy (latest N by default, all, or a specific list), as TF Serving's
// FileSystemStoragePathSource does.
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { VersionPolicy } from '../config/model-config.ts'

/** Numeric subfolders of `basePath` (names like `1`, `0002`), mapped version → folder path. */
export const listVersionDirs = async (basePath: string): Promise<Map<number, string>> => {
  const found = new Map<number, string>()
  let names: string[]
  try {
    names = await readdir(basePath)
  } catch {
    return found
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue
    const dir = join(basePath, name)
    const s = await stat(dir).catch(() => undefined)
    if (!s?.isDirectory()) continue
    const version = Number(name)
    // `1` and `001` name the same version; the first one seen wins, like TF Serving's scan.
    if (!found.has(version)) found.set(version, dir)
  }
  return found
}

/** The versions to serve out of those on disk, highest first. */
export const aspiredVersions = (onDisk: Iterable<number>, policy: VersionPolicy): number[] => {
  const all = [...onDisk].sort((a, b) => b - a)
  if (policy.kind === 'all') return all
  if (policy.kind === 'specific') return all.filter((v) => policy.versions.includes(v))
  return all.slice(0, policy.numVersions)
}

/** Names, sizes and mtimes of a folder's files: a version whose load failed is retried once this changes. */
export const fingerprint = async (dir: string): Promise<string> => {
  const parts: string[] = []
  const walk = async (d: string, prefix: string) => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => [])
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name)
      if (e.isDirectory()) await walk(p, `${prefix}${e.name}/`)
      else {
        const s = await stat(p).catch(() => undefined)
        parts.push(`${prefix}${e.name}:${s?.size}:${s?.mtimeMs}`)
      }
    }
  }
  await walk(dir, '')
  return parts.join('|')
}
