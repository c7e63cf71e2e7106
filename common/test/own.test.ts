import { describe, expect, test } from 'bun:test'
import { ownValue } from '../src/own.ts'

describe('ownValue', () => {
  test('own properties only: prototype names are absent, also in objects from JSON', () => {
    const parsed = JSON.parse('{"a": 1, "__proto__": 2}') as Record<string, number>
    expect(ownValue(parsed, 'a')).toBe(1)
    // JSON.parse makes "__proto__" an own property: it is data, and found as such.
    expect(ownValue(parsed, '__proto__')).toBe(2)
    const plain: Record<string, number> = { a: 1 }
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])
      expect(ownValue(plain, name)).toBeUndefined()
    expect(ownValue(undefined, 'a')).toBeUndefined()
    expect(ownValue(null, 'a')).toBeUndefined()
  })
})
