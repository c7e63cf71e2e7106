// The native backend is cross-checked against WebAssembly at every model load. @tensorflow/tfjs-node
// cannot load here, so a stand-in backend (support/stand-in-native.ts: the cpu kernels under
// another name, with Add made wrong or Multiply made to throw) plays the native one: in-process
// against the executor, and through TFJS_NATIVE_MODULE in the real server process.
import { afterAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-wasm'
import { compareTensors, FLOAT_TOLERANCE, probeInputs } from '../src/inference/cross-check.ts'
import { createExecutor } from '../src/inference/executor.ts'
import type { WireTensor } from '../src/inference/protocol.ts'
import { savedModelLoader } from '../src/savedmodel/loader.ts'
import { FIXTURES } from './savedmodel/helpers.ts'
import { type ServerProcess, spawnServer } from './support/server.ts'
import { registerStandInBackend } from './support/stand-in-native.ts'

const STAND_IN = join(import.meta.dir, 'support/stand-in-native.ts')
const HALF_PLUS_TWO = join(FIXTURES, 'half_plus_two')
const floats = (shape: number[], values: number[]): WireTensor => ({
  dtype: 'float32',
  shape,
  data: Float32Array.from(values),
})

describe('comparison', () => {
  test('floats agree within the tolerance, NaN matches NaN, the rest must be equal', () => {
    const near = 1 + FLOAT_TOLERANCE.rel / 2
    expect(compareTensors('y', floats([2], [1, Number.NaN]), floats([2], [near, Number.NaN]))).toBe(
      undefined,
    )
    expect(compareTensors('y', floats([1], [1.01]), floats([1], [1]))).toBe(
      'y[0]: 1.0099999904632568 (native) vs 1 (wasm)',
    )
    expect(compareTensors('y', floats([1, 1], [1]), floats([1], [1]))).toBe('y: shape [1,1] vs [1]')
    const ints = (v: number): WireTensor => ({ dtype: 'int32', shape: [1], data: Int32Array.of(v) })
    expect(compareTensors('c', ints(3), ints(3))).toBe(undefined)
    expect(compareTensors('c', ints(3), ints(4))).toBe('c[0]: 3 (native) vs 4 (wasm)')
  })

  test('probe inputs: unknown batch becomes 2 rows, values are the same every time', async () => {
    const servable = await savedModelLoader.load(join(HALF_PLUS_TWO, '00000123'))
    const sig = servable.signatures.serving_default!
    const a = probeInputs(sig)
    expect(a?.x?.shape).toEqual([2, 1])
    expect(probeInputs(sig)).toEqual(a)
    // A tf.Example signature is probed through its parsed-feature placeholders.
    const ex = probeInputs(servable.signatures.regress_x_to_y!)
    expect(Object.values(ex ?? {}).map((t) => t.shape)).toEqual([[2, 1]])
  })
})

describe('executor cross-check (in process)', () => {
  const check = async (mode: 'agree' | 'wrong' | 'fail', reference = 'wasm') => {
    const name = `standin-${mode}`
    registerStandInBackend(name, mode)
    await tf.setBackend(name)
    const servable = await savedModelLoader.load(join(HALF_PLUS_TWO, '00000123'))
    const executor = createExecutor(tf)
    await executor.load('m', servable)
    const result = await executor.crossCheck('m', reference)
    // The check leaves the worker on its own backend; falling back is the caller's decision.
    expect(tf.getBackend()).toBe(name)
    executor.unload('m')
    return result
  }
  test('a backend that agrees passes', async () => {
    expect(await check('agree')).toEqual({ outcome: 'ok', detail: '' })
  })
  test('wrong numbers are a mismatch naming the output and values', async () => {
    const r = await check('wrong')
    expect(r.outcome).toBe('mismatch')
    expect(r.detail).toMatch(/^signature serving_default: y\[0\]: .* \(native\) vs .* \(wasm\)$/)
  })
  test('without a backend to compare with, the check is skipped (and says why)', async () => {
    expect(await check('wrong', 'no-such-backend')).toEqual({
      outcome: 'skipped',
      detail: 'the no-such-backend backend is not available to compare with',
    })
  })
  test('an error inside the native run is an error outcome', async () => {
    const r = await check('fail')
    expect(r.outcome).toBe('error')
    expect(r.detail).toContain('stand-in native kernel Multiply failed')
  })
})

describe('the real server with a stand-in native module', () => {
  const servers: ServerProcess[] = []
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()))
  })
  const start = async (mode: 'agree' | 'wrong' | 'fail') => {
    const s = await spawnServer(
      ['--model_name=half_plus_two', `--model_base_path=${HALF_PLUS_TWO}`],
      { TFJS_BACKEND: 'auto', TFJS_NATIVE_MODULE: STAND_IN, STAND_IN_NATIVE: mode },
    )
    servers.push(s)
    const ready = (await (await fetch(`${s.url}/readyz`)).json()) as Record<string, unknown>
    const predict = await fetch(`${s.url}/v1/models/half_plus_two:predict`, {
      method: 'POST',
      body: '{"instances": [1.0, 2.0, 5.0]}',
    })
    const metrics = await (await fetch(`${s.url}/metrics`)).text()
    return { s, ready, predict: await predict.json(), metrics }
  }

  test.each(['wrong', 'fail'] as const)(
    'native %s: serves with WebAssembly, says so in /readyz, metrics and one log line',
    async (mode) => {
      const { s, ready, predict, metrics } = await start(mode)
      expect(predict).toEqual({ predictions: [2.5, 3.0, 4.5] })
      expect(ready.backend).toBe('wasm')
      expect(String(ready.backendReason)).toStartWith(
        `native backend failed its cross-check (${mode === 'wrong' ? 'mismatch' : 'error'})`,
      )
      expect(ready.backendCrossCheck).toMatchObject({
        outcome: mode === 'wrong' ? 'mismatch' : 'error',
        backend: 'wasm',
      })
      expect(metrics).toMatch(/\ntfserving_native_backend_fallback\{[^}]*\} 1\n/)
      const outcome = mode === 'wrong' ? 'mismatch' : 'error'
      expect(metrics).toMatch(
        new RegExp(`\\ntfserving_backend_cross_checks_total\\{outcome="${outcome}"[^}]*\\} 1\\n`),
      )
      expect(s.logs().match(/serving with WebAssembly/g)?.length).toBe(1)
    },
    90_000,
  )

  test('native that agrees keeps serving natively', async () => {
    const { ready, predict, metrics } = await start('agree')
    expect(predict).toEqual({ predictions: [2.5, 3.0, 4.5] })
    expect(ready.backend).toBe('tensorflow')
    expect(ready.backendCrossCheck).toMatchObject({ outcome: 'ok', backend: 'tensorflow' })
    expect(metrics).toMatch(/\ntfserving_native_backend_fallback\{[^}]*\} 0\n/)
    expect(metrics).toMatch(/\ntfserving_backend_cross_checks_total\{outcome="ok"[^}]*\} 1\n/)
  }, 90_000)
})
