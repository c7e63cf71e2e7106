import { describe, expect, test } from 'bun:test'
import {
  FEDORA_FOUND,
  FEDORA_NOT_FOUND,
  formatPrediction,
  type ReplyStyle,
} from '../src/reply/format-reply.ts'
import { fitWeighted, weightedLength } from '../src/reply/weighted-length.ts'

const style: ReplyStyle = {
  preset: 'labels',
  template: 'I see {labels}',
  topK: 3,
  threshold: 0.05,
  fedoraThreshold: 0.5,
  fedoraLabel: 'fedora',
}
const labels = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']

describe('formatPrediction', () => {
  test('names the top labels with percentages, best first, dropping those under the threshold', () => {
    expect(formatPrediction([0.09, 0.01, 0.87, 0.02, 0.01], labels, style)).toBe(
      'I see Neutral 87%, Drawing 9%',
    )
  })
  test('top-K, {top} and {percent} placeholders', () => {
    const s = { ...style, topK: 1, template: '{top} ({percent}) / {labels}' }
    expect(formatPrediction([0.2, 0.2, 0.1, 0.5, 0], labels, s)).toBe('Porn (50%) / Porn 50%')
  })
  test('the top label is named even under the threshold; tiny scores read <1%', () => {
    const s = { ...style, threshold: 0.9 }
    expect(formatPrediction([0.004, 0.3, 0.3, 0.396, 0], labels, s)).toBe('I see Porn 40%')
    expect(formatPrediction([0.004, 0.996], ['a', 'b'], { ...style, threshold: 0 })).toBe(
      'I see b 100%, a <1%',
    )
  })
  test('unnamed classes past the label list', () => {
    expect(formatPrediction([0.1, 0.9], ['only'], style)).toBe('I see class 1 90%, only 10%')
  })
  test('fedora preset gives the original two answers at FLT_FEDORA_FOUND_THRESHOLD', () => {
    const f = { ...style, preset: 'fedora' as const, fedoraThreshold: 0.6 }
    expect(formatPrediction([0.3, 0.7], ['not fedora', 'Fedora'], f)).toBe(FEDORA_FOUND)
    expect(formatPrediction([0.45, 0.55], ['not fedora', 'Fedora'], f)).toBe(FEDORA_NOT_FOUND)
  })
  test('never longer than 280 weighted characters', () => {
    const long = Array.from({ length: 5 }, (_, i) => `${'熊'.repeat(100)}${i}`)
    const text = formatPrediction([0.2, 0.2, 0.2, 0.2, 0.2], long, {
      ...style,
      topK: 5,
      threshold: 0,
    })
    expect(weightedLength(text)).toBeLessThanOrEqual(280)
    expect(text.endsWith('…')).toBe(true)
  })
})

describe('weightedLength', () => {
  test('Latin 1, CJK 2, an emoji sequence 2, a URL 23', () => {
    expect(weightedLength('abc')).toBe(3)
    expect(weightedLength('熊猫')).toBe(4)
    expect(weightedLength('👨‍👩‍👧')).toBe(2)
    expect(weightedLength('see https://example.com/a/very/long/path/indeed')).toBe(4 + 23)
  })
  test('fitWeighted cuts at a grapheme boundary', () => {
    const out = fitWeighted('👍'.repeat(200), 280)
    expect(weightedLength(out)).toBeLessThanOrEqual(280)
    expect(out).toBe(`${'👍'.repeat(139)}…`)
  })
})
