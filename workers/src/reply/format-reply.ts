import { fitWeighted, MAX_TWEET_WEIGHT } from './weighted-length.ts'

export interface ReplyStyle {
  /** `labels`: name the top labels; `fedora`: the original bot's two answers. */
  preset: 'labels' | 'fedora'
  /** For `labels`: `{labels}` = "Neutral 87%, Drawing 9%", `{top}` = "Neutral", `{percent}` = "87%". */
  template: string
  topK: number
  /** Labels scoring below this are left out (the top label is always named). */
  threshold: number
  fedoraThreshold: number
  fedoraLabel: string
}

export const FEDORA_FOUND = 'I found a Red Hat Fedora!'
export const FEDORA_NOT_FOUND = 'No Red Hat Fedora found :('

const percent = (score: number) => {
  const p = Math.round(score * 100)
  return p < 1 ? '<1%' : `${p}%`
}

/** Ranks class scores and names them with the model's labels (`class N` past the label list). */
export const rankLabels = (scores: readonly number[], labels: readonly string[]) =>
  scores
    .map((score, i) => ({ label: labels[i] ?? `class ${i}`, score }))
    .sort((a, b) => b.score - a.score)

/**
 * The reply text for one prediction; at most 280 weighted characters, so the same text is
 * valid both as a tweet and as a DM.
 */
export const formatPrediction = (
  scores: readonly number[],
  labels: readonly string[],
  style: ReplyStyle,
): string => {
  if (style.preset === 'fedora') {
    const i = labels.findIndex((l) => l.toLowerCase() === style.fedoraLabel.toLowerCase())
    const score = scores[Math.max(i, 0)] ?? 0
    return score >= style.fedoraThreshold ? FEDORA_FOUND : FEDORA_NOT_FOUND
  }
  const ranked = rankLabels(scores, labels)
  const top = ranked[0]
  if (!top) throw new Error('no scores to describe')
  const shown = ranked.slice(0, style.topK).filter((r, i) => i === 0 || r.score >= style.threshold)
  const text = style.template
    .replaceAll('{labels}', shown.map((r) => `${r.label} ${percent(r.score)}`).join(', '))
    .replaceAll('{top}', top.label)
    .replaceAll('{percent}', percent(top.score))
  return fitWeighted(text, MAX_TWEET_WEIGHT)
}
