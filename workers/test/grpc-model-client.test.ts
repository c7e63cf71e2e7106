// The workers' gRPC model client against the real tf-serving (a child process with the default
// model): metadata, predict, and how failures map onto the statuses the retry logic reads.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { workerEnvSchema } from '@tweetbot/common/config'
import { freePort } from '@tweetbot/testing'
import { type Stack, startStack } from '@tweetbot/testing/stack'
import { ModelRejectedRequestError, type ModelServerError } from '../src/errors.ts'
import {
  createGrpcModelClient,
  encodeImageTensor,
  parseGrpcModelUrl,
} from '../src/model/grpc-model-client.ts'
import { ensureDefaultModel } from './e2e/helpers.ts'

describe('pure parts', () => {
  test('grpc://host:port/<model>[/versions/<n>]', () => {
    expect(parseGrpcModelUrl('grpc://tf:8500/default')).toEqual({
      address: 'tf:8500',
      model: 'default',
      version: undefined,
    })
    expect(parseGrpcModelUrl('grpc://127.0.0.1:9/m/versions/3')).toMatchObject({ version: 3 })
    expect(() => parseGrpcModelUrl('grpc://tf:8500/a/b')).toThrow(/grpc:\/\/host:8500/)
    const env = { FLT_LOAD_TESTING_MODE: 'True', REDIS_URL: 'redis://127.0.0.1:6379' }
    expect(
      workerEnvSchema.safeParse({ ...env, TF_SERVER_URL: 'grpc://tf:8500/default' }).success,
    ).toBe(true)
    expect(workerEnvSchema.safeParse({ ...env, TF_SERVER_URL: 'grpc://tf/default' }).success).toBe(
      false,
    )
  })
  test("the image as float32 tensor_content per INPUT_SCALE, raw uint8, or each dtype's *_val", () => {
    const px = Uint8Array.from([0, 51, 255, 127])
    const input = { height: 1, width: 1, channels: 4, dtype: 'DT_FLOAT', signature: 's' }
    const f = encodeImageTensor(px, input, '-1,1')
    expect(f.dtype).toBe(1)
    expect(f.tensor_shape.dim.map((d) => d.size)).toEqual([1, 1, 1, 4])
    const values = new Float32Array((f.tensor_content as Uint8Array).buffer)
    expect(Array.from(values)).toEqual([-1, 51 / 127.5 - 1, 1, 127 / 127.5 - 1].map(Math.fround))
    const u = encodeImageTensor(px, { ...input, dtype: 'DT_UINT8' }, '0,1')
    expect([u.dtype, Array.from(u.tensor_content as Uint8Array)]).toEqual([4, [0, 51, 255, 127]])
    // Each dtype in the field TF Serving reads it from: int64_val, double_val (scaled), int_val.
    expect(encodeImageTensor(px, { ...input, dtype: 'DT_INT64' }, '0,1')).toMatchObject({
      dtype: 9,
      int64_val: px,
    })
    expect(encodeImageTensor(px, { ...input, dtype: 'DT_DOUBLE' }, '0,1')).toMatchObject({
      dtype: 2,
      double_val: [0, 51 / 255, 1, 127 / 255],
    })
    expect(encodeImageTensor(px, { ...input, dtype: 'DT_INT32' }, '0,1')).toMatchObject({
      dtype: 3,
      int_val: px,
    })
    expect(() => encodeImageTensor(px.subarray(1), input, '0,1')).toThrow(/expected 4 bytes/)
    // A buffer to reuse is written into, not replaced.
    const into = new Float32Array(8)
    const reused = encodeImageTensor(px, input, '0,1', into)
    expect((reused.tensor_content as Uint8Array).buffer).toBe(into.buffer)
    expect(Array.from(into.subarray(0, 4))).toEqual([0, 51 / 255, 1, 127 / 255].map(Math.fround))
  })
})

describe('against tf-serving', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack({ modelDir: await ensureDefaultModel(), services: ['tf-serving'] })
  }, 120_000)
  afterAll(async () => {
    await stack?.stop()
  })

  test('metadata, then predict: a probability per class', async () => {
    const client = createGrpcModelClient({ url: stack.grpcUrl, timeoutMs: 30_000, scale: '0,1' })
    const input = await client.metadata()
    expect(input).toMatchObject({ height: 224, width: 224, channels: 3, dtype: 'DT_FLOAT' })
    expect(input.alias).toBeTruthy()
    const pixels = Uint8Array.from({ length: 224 * 224 * 3 }, (_, i) => (i * 31) % 256)
    const scores = await client.predict(pixels, input)
    expect(scores).toHaveLength(5)
    expect(scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3)
    client.close()
  }, 60_000)

  test('an unknown model is 404 (permanent); no server is 0 (an outage to ride out)', async () => {
    const unknown = createGrpcModelClient({
      url: stack.grpcUrl.replace(/\/default$/, '/nope'),
      timeoutMs: 10_000,
      scale: '0,1',
    })
    const err = await unknown.metadata().catch((e: unknown) => e)
    // Permanent, as the REST client makes a 4xx: retrying the job would not help.
    expect(err).toBeInstanceOf(ModelRejectedRequestError)
    expect((err as Error).message).toContain('tf-serving answered 404')
    expect((err as Error).message).toContain('Servable not found for request: Latest(nope)')
    unknown.close()
    const down = createGrpcModelClient({
      url: `grpc://127.0.0.1:${await freePort()}/default`,
      timeoutMs: 2_000,
      scale: '0,1',
    })
    const gone = await down.metadata().catch((e: unknown) => e)
    expect((gone as ModelServerError).status).toBe(0)
    down.close()
  }, 30_000)

  test('an aborted call rejects at once', async () => {
    const client = createGrpcModelClient({ url: stack.grpcUrl, timeoutMs: 30_000, scale: '0,1' })
    const ac = new AbortController()
    const pending = client.metadata(ac.signal)
    ac.abort(new Error('shutting down'))
    await expect(pending).rejects.toBeInstanceOf(Error)
    client.close()
  })
})
