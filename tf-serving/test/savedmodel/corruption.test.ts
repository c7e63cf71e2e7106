// Broken SavedModels are refused at load time with a reason precise enough to act on.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { readFile, rm, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { savedModelLoader } from '../../src/savedmodel/loader.ts'
import { attr, constNode, node } from '../support/savedmodel-writer/graph-builder.ts'
import { writeSavedModel } from '../support/savedmodel-writer/write-saved-model.ts'
import {
  copyWritable,
  FIXTURES,
  floatBranch,
  removeDir,
  statelessIfNodes,
  tempDir,
  xToYSignatures,
} from './helpers.ts'

let dir = ''
const copyFixture = async (name: string) => {
  const to = join(dir, name)
  await copyWritable(join(FIXTURES, 'half_plus_two/00000123'), to)
  return to
}

beforeAll(async () => {
  dir = await tempDir('corrupt')
})
afterAll(() => removeDir(dir))

test('truncated saved_model.pb', async () => {
  const d = await copyFixture('truncated')
  await truncate(join(d, 'saved_model.pb'), 5000)
  await expect(savedModelLoader.load(d)).rejects.toThrow(
    /^saved_model.pb is not a valid SavedModel protobuf \(truncated or corrupt\)/,
  )
})

test('flipped byte in the variables data → checksum error naming the tensor', async () => {
  const d = await copyFixture('flipped')
  const shard = join(d, 'variables/variables.data-00000-of-00001')
  const bytes = new Uint8Array(await readFile(shard))
  bytes[9]! ^= 0x40 // inside tensor 'b' (offset 8, 4 bytes)
  await writeFile(shard, bytes)
  await expect(savedModelLoader.load(d)).rejects.toThrow(
    "checkpoint tensor 'b': checksum mismatch (data corrupted)",
  )
})

test('missing variables shard', async () => {
  const d = await copyFixture('missing-shard')
  await rm(join(d, 'variables/variables.data-00000-of-00001'))
  await expect(savedModelLoader.load(d)).rejects.toThrow(
    'variables shard variables/variables.data-00000-of-00001 is missing (the index lists 1)',
  )
})

test('missing saved_model.pb and an unknown meta graph tag set', async () => {
  await expect(savedModelLoader.load(join(dir, 'nowhere'))).rejects.toThrow(
    'saved_model.pb is missing',
  )
  const d = join(dir, 'train-only')
  await writeSavedModel(d, {
    tags: ['train'],
    nodes: [node('x', 'Placeholder', [], { dtype: attr.type('DT_FLOAT') })],
    signatures: {},
  })
  await expect(savedModelLoader.load(d)).rejects.toThrow(
    'no meta graph tagged {serve} (the SavedModel has {train})',
  )
})

const modelWithOp = (op: string, used: boolean) => ({
  nodes: [
    node('x', 'Placeholder', [], { dtype: attr.type('DT_FLOAT') }),
    constNode('two', 'DT_FLOAT', [], [2]),
    node('weird', op, ['x'], { T: attr.type('DT_FLOAT') }),
    node('y', 'Mul', [used ? 'weird' : 'x', 'two'], { T: attr.type('DT_FLOAT') }),
  ],
  signatures: xToYSignatures(),
})

test('an op TensorFlow.js cannot run is reported at load time with op and node names', async () => {
  const d = join(dir, 'unknown-op')
  await writeSavedModel(d, modelWithOp('FancyUnknownOp', true))
  await expect(savedModelLoader.load(d)).rejects.toThrow(
    "unsupported op(s) for TensorFlow.js: FancyUnknownOp (node 'weird')",
  )
})

test('an unsupported op outside every signature path is pruned, not reported', async () => {
  const d = join(dir, 'unused-op')
  await writeSavedModel(d, modelWithOp('FancyUnknownOp', false))
  const servable = await savedModelLoader.load(d)
  expect(Object.keys(servable.signatures)).toEqual(['serving_default'])
})

test('a variable missing from the checkpoint is named', async () => {
  const d = join(dir, 'missing-var')
  await writeSavedModel(d, {
    nodes: [
      node('x', 'Placeholder', [], { dtype: attr.type('DT_FLOAT') }),
      node('w', 'VariableV2', [], { dtype: attr.type('DT_FLOAT'), shape: attr.shape([]) }),
      node('y', 'Mul', ['x', 'w'], { T: attr.type('DT_FLOAT') }),
    ],
    variables: { other: { dtype: 'DT_FLOAT', shape: [], values: [1] } },
    signatures: xToYSignatures(),
  })
  await expect(savedModelLoader.load(d)).rejects.toThrow(
    "variable 'w' has no value in the checkpoint",
  )
})

test('ops inside If/While branch functions are checked at load time too', async () => {
  const d = join(dir, 'branch-op')
  const F = attr.type('DT_FLOAT')
  await writeSavedModel(d, {
    nodes: statelessIfNodes(),
    functions: [
      floatBranch('then_fn', [node('odd', 'OddBranchOp', ['a'], { T: F })], 'odd:y:0'),
      floatBranch('else_fn', [node('id', 'Identity', ['a'], { T: F })], 'id:output:0'),
    ],
    signatures: xToYSignatures(),
  })
  await expect(savedModelLoader.load(d)).rejects.toThrow(
    "unsupported op(s) for TensorFlow.js: OddBranchOp (node 'then_fn/odd')",
  )
})
