/**
 * X's weighted tweet length (twitter-text v3 rules): code points in a few Latin/punctuation
 * ranges count 1, everything else 2 (CJK, most symbols), an emoji sequence counts 2 however many
 * code points it joins, and every URL counts 23 (t.co). Text is NFC-normalised first.
 * @see https://docs.x.com/fundamentals/counting-characters
 */
export const MAX_TWEET_WEIGHT = 280
const URL_WEIGHT = 23
const LIGHT_RANGES: readonly [number, number][] = [
  [0x0000, 0x10ff],
  [0x2000, 0x200d],
  [0x2010, 0x201f],
  [0x2032, 0x2037],
]
const URL_PATTERN = /https?:\/\/[^\s]+/g
const PICTOGRAPHIC = /\p{Extended_Pictographic}/u
const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' })

const codePointWeight = (cp: number) =>
  LIGHT_RANGES.some(([lo, hi]) => cp >= lo && cp <= hi) ? 1 : 2

const plainWeight = (text: string) => {
  let weight = 0
  for (const { segment } of segmenter.segment(text)) {
    if (PICTOGRAPHIC.test(segment)) {
      weight += 2
      continue
    }
    for (const ch of segment) weight += codePointWeight(ch.codePointAt(0)!)
  }
  return weight
}

export const weightedLength = (text: string): number => {
  const normalised = text.normalize('NFC')
  let weight = 0
  let last = 0
  for (const match of normalised.matchAll(URL_PATTERN)) {
    weight += plainWeight(normalised.slice(last, match.index)) + URL_WEIGHT
    last = match.index + match[0].length
  }
  return weight + plainWeight(normalised.slice(last))
}

/** Cuts `text` at a grapheme boundary so it fits `max` weighted characters, ending in "…". */
export const fitWeighted = (text: string, max = MAX_TWEET_WEIGHT): string => {
  if (weightedLength(text) <= max) return text
  let out = ''
  for (const { segment } of segmenter.segment(text.normalize('NFC'))) {
    if (weightedLength(`${out}${segment}…`) > max) break
    out += segment
  }
  return `${out.trimEnd()}…`
}
