import { readFileSync } from 'node:fs'
import { DEFAULT_MODEL_LABELS } from '@tweetbot/common/config'

/**
 * The model's class names, in output order: MODEL_LABELS (comma-separated) wins, then
 * MODEL_LABELS_FILE (a JSON array, or one label per line), else the default model's labels.
 * TF Serving has no API for class names, so the worker must be told.
 */
export const loadLabels = (opts: { labels: string[]; file?: string }): string[] => {
  if (opts.labels.length > 0) return opts.labels
  if (!opts.file) return [...DEFAULT_MODEL_LABELS]
  const text = readFileSync(opts.file, 'utf8').trim()
  if (text.startsWith('[')) {
    const parsed: unknown = JSON.parse(text)
    if (!Array.isArray(parsed) || !parsed.every((l) => typeof l === 'string'))
      throw new Error(`${opts.file}: expected a JSON array of strings`)
    return parsed
  }
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
}
