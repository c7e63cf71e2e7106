import { afterAll, expect, test } from 'bun:test'
import { mkdtemp, rm, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tfjsModelLoader } from '../src/loaders/tfjs.ts'
import { writeToyModel } from './support/models.ts'

const root = await mkdtemp(join(tmpdir(), 'tfs-loader-'))
afterAll(() => rm(root, { recursive: true, force: true }))

test('a weight file listed in model.json but absent fails the load, naming the file', async () => {
  const dir = join(root, '1')
  await writeToyModel(dir)
  expect((await tfjsModelLoader.load(dir)).artifacts.weightData).toBeInstanceOf(ArrayBuffer)
  await unlink(join(dir, 'weights.bin'))
  await expect(tfjsModelLoader.load(dir)).rejects.toThrow(
    'weight file weights.bin listed in model.json is missing',
  )
})
