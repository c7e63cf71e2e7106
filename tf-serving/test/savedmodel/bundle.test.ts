import { afterAll, beforeAll, expect, test } from 'bun:test'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { crc32c, maskCrc, unmaskCrc } from '../../src/savedmodel/bundle/crc32c.ts'
import { snappyUncompress } from '../../src/savedmodel/bundle/snappy.ts'
import { readTable } from '../../src/savedmodel/bundle/sstable.ts'
import { openTensorBundle } from '../../src/savedmodel/bundle/tensor-bundle.ts'
import { decodeRaw, decodeTensorProto } from '../../src/savedmodel/graph/host-tensor.ts'
import { writeTable } from '../support/savedmodel-writer/sstable-writer.ts'
import { writeTensorBundle } from '../support/savedmodel-writer/tensor-bundle-writer.ts'
import { FIXTURES, removeDir, tempDir } from './helpers.ts'

let dir = ''
beforeAll(async () => {
  dir = await tempDir('bundle')
})
afterAll(() => removeDir(dir))

test('crc32c matches the standard check value and masking round-trips', () => {
  expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283)
  expect(unmaskCrc(maskCrc(0xe3069283))).toBe(0xe3069283)
  expect(maskCrc(0xe3069283)).not.toBe(0xe3069283)
})

test('tables round-trip across many blocks with shared key prefixes', () => {
  const entries: [string, Uint8Array][] = Array.from({ length: 500 }, (_, i) => [
    `layer_${String(i).padStart(4, '0')}/kernel`,
    Uint8Array.from({ length: i % 37 }, (_, j) => (i + j) & 0xff),
  ])
  const table = readTable(writeTable(entries, 512))
  expect(table.size).toBe(500)
  for (const [k, v] of entries) expect(table.get(k)).toEqual(v)
})

test('reads the snappy-compressed index of TF Serving fixtures', async () => {
  const bundle = await openTensorBundle(
    join(FIXTURES, 'half_plus_two/00000123/variables/variables'),
  )
  expect([...bundle.entries.keys()].sort()).toEqual(['a', 'a2', 'b', 'c', 'c2'])
  expect(Array.from((await bundle.read('a')).data as Float32Array)).toEqual([0.5])
  expect(Array.from((await bundle.read('b')).data as Float32Array)).toEqual([2])
  const tf2 = await openTensorBundle(
    join(FIXTURES, 'half_plus_two_tf2/00000123/variables/variables'),
  )
  const graph = await tf2.read('_CHECKPOINTABLE_OBJECT_GRAPH')
  expect(graph.dtype).toBe('string')
  expect((graph.data as Uint8Array[])[0]!.length).toBeGreaterThan(100)
})

test('bundles round-trip float32, int32, int64, bool and string tensors over shards', async () => {
  const prefix = join(dir, 'rt', 'variables')
  await writeTensorBundle(
    prefix,
    {
      f: { dtype: 'DT_FLOAT', shape: [2, 2], values: [1.5, -2, 3.25, 0] },
      i: { dtype: 'DT_INT32', shape: [3], values: [1, -2, 2147483647] },
      l: { dtype: 'DT_INT64', shape: [2], values: [-5, 1234567] },
      b: { dtype: 'DT_BOOL', shape: [3], values: [1, 0, 1] },
      s: { dtype: 'DT_STRING', shape: [3], values: ['cat', '', 'résumé'] },
    },
    2,
  )
  const bundle = await openTensorBundle(prefix)
  expect(bundle.header.numShards).toBe(2)
  const f = await bundle.read('f')
  expect(f).toMatchObject({ dtype: 'float32', shape: [2, 2] })
  expect(Array.from(f.data as Float32Array)).toEqual([1.5, -2, 3.25, 0])
  expect(Array.from((await bundle.read('i')).data as Int32Array)).toEqual([1, -2, 2147483647])
  expect(Array.from((await bundle.read('l')).data as Int32Array)).toEqual([-5, 1234567])
  expect(Array.from((await bundle.read('b')).data as Uint8Array)).toEqual([1, 0, 1])
  const s = (await bundle.read('s')).data as Uint8Array[]
  expect(s.map((x) => new TextDecoder().decode(x))).toEqual(['cat', '', 'résumé'])
})

test('int64 values beyond int32 are refused, not wrapped', async () => {
  const prefix = join(dir, 'big', 'variables')
  await writeTensorBundle(prefix, { big: { dtype: 'DT_INT64', shape: [1], values: [2 ** 40] } })
  await expect((await openTensorBundle(prefix)).read('big')).rejects.toThrow(
    'does not fit in int32',
  )
})

test('a flipped byte in a data shard fails the tensor checksum', async () => {
  const prefix = join(dir, 'flip', 'variables')
  await writeTensorBundle(prefix, {
    w: { dtype: 'DT_FLOAT', shape: [4], values: [1, 2, 3, 4] },
    s: { dtype: 'DT_STRING', shape: [1], values: ['hello'] },
  })
  const shard = `${prefix}.data-00000-of-00001`
  const bytes = new Uint8Array(await readFile(shard))
  bytes[bytes.length - 1]! ^= 0x01 // last byte of the sorted-last tensor 'w'
  bytes[bytes.length - 17 - 2]! ^= 0x01 // a byte of 'hello'
  await writeFile(shard, bytes)
  const bundle = await openTensorBundle(prefix)
  await expect(bundle.read('w')).rejects.toThrow("checkpoint tensor 'w': checksum mismatch")
  await expect(bundle.read('s')).rejects.toThrow("checkpoint tensor 's': checksum mismatch")
})

test('a corrupt index block and a missing shard are reported', async () => {
  const prefix = join(dir, 'idx', 'variables')
  await writeTensorBundle(prefix, { w: { dtype: 'DT_FLOAT', shape: [1], values: [1] } }, 2)
  await rm(`${prefix}.data-00001-of-00002`)
  await expect(openTensorBundle(prefix)).rejects.toThrow(
    'variables shard variables/variables.data-00001-of-00002 is missing (the index lists 2)',
  )
  const index = new Uint8Array(await readFile(`${prefix}.index`))
  index[3]! ^= 0xff
  await writeFile(`${prefix}.index`, index)
  await expect(openTensorBundle(prefix)).rejects.toThrow('variables/variables.index is corrupt')
})

test('snappy: literals, overlapping 1-byte-offset copies and 2-byte-offset copies', () => {
  const text = (b: Uint8Array) => new TextDecoder().decode(b)
  // 12 bytes: literal "abc", then copy 9 bytes from 3 back (overlaps itself).
  expect(text(snappyUncompress(Uint8Array.of(12, 0x08, 97, 98, 99, 0x15, 3)))).toBe('abcabcabcabc')
  // 8 bytes: literal "wxyz", then a 2-byte-offset copy of 4 bytes from 4 back.
  expect(text(snappyUncompress(Uint8Array.of(8, 0x0c, 119, 120, 121, 122, 0x0e, 4, 0)))).toBe(
    'wxyzwxyz',
  )
  expect(() => snappyUncompress(Uint8Array.of(5, 0x08, 97))).toThrow('snappy: input truncated')
  expect(() => snappyUncompress(Uint8Array.of(4, 0x15, 9))).toThrow('snappy: bad copy')
})

test('half, bfloat16 and double decode to float32 from raw bytes and from *_val lists', () => {
  // 1.5 as half is 0x3e00, as bfloat16 0x3fc0; -2 as half 0xc000, as bfloat16 0xc000.
  const u16 = (...v: number[]) => new Uint8Array(Uint16Array.from(v).buffer)
  expect(
    Array.from(decodeRaw('DT_HALF', [2], u16(0x3e00, 0xc000), 'h').data as Float32Array),
  ).toEqual([1.5, -2])
  expect(
    Array.from(decodeRaw('DT_BFLOAT16', [2], u16(0x3fc0, 0xc000), 'bf').data as Float32Array),
  ).toEqual([1.5, -2])
  const doubles = new Uint8Array(Float64Array.of(0.25, -8).buffer)
  const d = decodeRaw('DT_DOUBLE', [2], doubles, 'd')
  expect(d.dtype).toBe('float32')
  expect(Array.from(d.data as Float32Array)).toEqual([0.25, -8])
  const shape = { dim: [{ size: 3 }] }
  const fromVals = (dtype: string, halfVal: number[]) =>
    Array.from(decodeTensorProto({ dtype, tensorShape: shape, halfVal }, 'c').data as Float32Array)
  // A short *_val list repeats its last value.
  expect(fromVals('DT_HALF', [0x3e00, 0xc000])).toEqual([1.5, -2, -2])
  expect(fromVals('DT_BFLOAT16', [0x3fc0])).toEqual([1.5, 1.5, 1.5])
})
