import { afterAll, beforeAll, expect, test } from 'bun:test'
import { join, resolve } from 'node:path'
import { runProcess } from '@tweetbot/testing'
import { writeSavedModel } from '../support/savedmodel-writer/write-saved-model.ts'
import { binaryOpModel, FIXTURES, removeDir, tempDir } from './helpers.ts'

const CLI = resolve(import.meta.dir, '../../src/savedmodel/inspect-cli.ts')
const run = async (...args: string[]) => {
  const { stdout: out, code } = await runProcess(['bun', CLI, ...args])
  return { out, code }
}

let dir = ''
beforeAll(async () => {
  dir = await tempDir('inspect')
  await writeSavedModel(join(dir, 'bad'), binaryOpModel('MysteryOp'))
})
afterAll(() => removeDir(dir))

test('explains half_plus_two: tags, signatures with dtype and shape, ops, support', async () => {
  const { out, code } = await run(join(FIXTURES, 'half_plus_two'))
  expect(code).toBe(0)
  expect(out).toContain('meta graph tags: {serve}  (TensorFlow 1.14.0)')
  expect(out).toContain('input  x: DT_FLOAT [-1,1]  ← x:0')
  expect(out).toContain('output y: DT_FLOAT [-1,1]  → y:0')
  expect(out).toContain('input  inputs: DT_STRING (unknown rank)  ← tf_example:0')
  expect(out).toContain('tf.Example features (fed from JSON examples): x DT_FLOAT [1] required')
  expect(out).toMatch(/✗ {2}ParseExample ×1/)
  expect(out).toMatch(/✓\* Mul ×3/)
  expect(out).toContain('every op needed for serving is supported')
  expect(out).toContain('loads: yes (5 variables read, checksums verified)')
})

test('inspects every version of a base path and the TF2 export', async () => {
  const two = await run(join(FIXTURES, 'half_plus_two_2_versions'))
  expect(two.out).toContain('half_plus_two_2_versions/00000123')
  expect(two.out).toContain('half_plus_two_2_versions/00000124')
  const tf2 = await run(join(FIXTURES, 'half_plus_two_tf2'), '--json')
  const report = JSON.parse(tf2.out) as { signatures: Record<string, unknown>; loadError: null }
  expect(report.loadError).toBeNull()
  expect(Object.keys(report.signatures)).toContain('serving_default')
})

test('names the unsupported op and node and exits non-zero', async () => {
  const { out, code } = await run(join(dir, 'bad'))
  expect(code).toBe(1)
  expect(out).toContain('NOT supported and needed: MysteryOp (y)')
  expect(out).toContain("loads: NO — unsupported op(s) for TensorFlow.js: MysteryOp (node 'y')")
})
