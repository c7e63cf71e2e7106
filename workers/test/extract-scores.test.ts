import { describe, expect, test } from 'bun:test'
import { extractScores } from '../src/model/extract-scores.ts'

describe('extractScores', () => {
  test('single output: the first instance, unchanged when already probabilities', () => {
    expect(extractScores({ predictions: [[0.1, 0.7, 0.2]] })).toEqual([0.1, 0.7, 0.2])
  })
  test('logits are turned into probabilities with the same ranking', () => {
    const s = extractScores({ predictions: [[2, -1, 0.5]] })
    expect(s.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6)
    expect(s[0]!).toBeGreaterThan(s[2]!)
    expect(s[2]!).toBeGreaterThan(s[1]!)
  })
  test('several outputs: prefers probabilities', () => {
    expect(
      extractScores({ predictions: [{ classes: [3, 1], probabilities: [0.25, 0.75] }] }),
    ).toEqual([0.25, 0.75])
  })
  test('errors on answers without predictions', () => {
    expect(() => extractScores({ error: 'nope' })).toThrow(/no predictions/)
    expect(() => extractScores({ predictions: [{ name: 'x' }] })).toThrow(/no score vector/)
  })
})
