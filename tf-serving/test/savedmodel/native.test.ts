// The native (tfjs-node) path is selectable where tfjs-node installs; on machines without it the
// call says so plainly instead of failing obscurely. Where it is present, both paths must agree.
import { expect, test } from 'bun:test'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { savedModelLoader } from '../../src/savedmodel/loader.ts'
import {
  importTfjsNode,
  NativeUnavailableError,
  predictNative,
} from '../support/native-savedmodel.ts'
import { FIXTURES, runSignature } from './helpers.ts'

const DIR = join(FIXTURES, 'half_plus_two/00000123')

test('native loadSavedModel and the converter give the same numbers (or native says it is unavailable)', async () => {
  const converted = await savedModelLoader.load(DIR)
  const x = tf.tensor([[1], [2], [5]])
  const ours = await runSignature(converted, 'serving_default', { 'x:0': x })
  expect(Array.from(await ours.y!.data())).toEqual([2.5, 3, 4.5])
  const available = await importTfjsNode().then(
    () => true,
    (err) => {
      expect(err).toBeInstanceOf(NativeUnavailableError)
      expect((err as Error).message).toContain('the native SavedModel path is unavailable')
      return false
    },
  )
  if (!available) {
    await expect(predictNative(DIR, 'serving_default', { x })).rejects.toBeInstanceOf(
      NativeUnavailableError,
    )
    return
  }
  const native = await predictNative(DIR, 'serving_default', { x })
  const tensor = native.y ?? Object.values(native)[0]!
  expect(Array.from(await tensor.data())).toEqual(Array.from(await ours.y!.data()))
})
