// Writes a tensor bundle (`<prefix>.index` + data shards) in TensorFlow's layout, with the same
// checksums the reader verifies. Used by tests and the benchmark to build SavedModels from code.
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { crc32c, crc32cExtend, maskCrc } from '../../../src/savedmodel/bundle/crc32c.ts'
import { shardName, u32le } from '../../../src/savedmodel/bundle/tensor-bundle.ts'
import { encodeMessage } from '../../../src/savedmodel/proto/schema.ts'
import { varintBytes, writeTable } from './sstable-writer.ts'

export type WritableDtype =
  | 'DT_FLOAT'
  | 'DT_DOUBLE'
  | 'DT_INT32'
  | 'DT_INT64'
  | 'DT_BOOL'
  | 'DT_STRING'

export interface WritableTensor {
  dtype: WritableDtype
  shape: number[]
  /** Numbers for numeric/bool dtypes; byte strings (or JS strings, UTF-8) for DT_STRING. */
  values: ArrayLike<number> | readonly (Uint8Array | string)[]
}

const encoder = new TextEncoder()

const concat = (parts: Uint8Array[]) => new Uint8Array(Bun.concatArrayBuffers(parts))

/** The bytes TensorFlow stores for one tensor, and their (unmasked) CRC-32C. */
const encodeTensorBytes = (t: WritableTensor): { bytes: Uint8Array; crc: number } => {
  if (t.dtype === 'DT_STRING') {
    const strings = (t.values as readonly (Uint8Array | string)[]).map((s) =>
      typeof s === 'string' ? encoder.encode(s) : s,
    )
    let crc = 0
    for (const s of strings) crc = crc32cExtend(crc, u32le(s.length))
    const lenCrc = u32le(maskCrc(crc))
    crc = crc32cExtend(crc, lenCrc)
    for (const s of strings) crc = crc32cExtend(crc, s)
    return {
      bytes: concat([...strings.map((s) => varintBytes(s.length)), lenCrc, ...strings]),
      crc,
    }
  }
  const values = Array.from(t.values as ArrayLike<number>)
  const size = { DT_FLOAT: 4, DT_DOUBLE: 8, DT_INT32: 4, DT_INT64: 8, DT_BOOL: 1 }[t.dtype]
  const bytes = new Uint8Array(values.length * size)
  const view = new DataView(bytes.buffer)
  values.forEach((v, i) => {
    if (t.dtype === 'DT_FLOAT') view.setFloat32(i * 4, v, true)
    else if (t.dtype === 'DT_DOUBLE') view.setFloat64(i * 8, v, true)
    else if (t.dtype === 'DT_INT32') view.setInt32(i * 4, v, true)
    else if (t.dtype === 'DT_INT64') view.setBigInt64(i * 8, BigInt(v), true)
    else view.setUint8(i, v ? 1 : 0)
  })
  return { bytes, crc: crc32c(bytes) }
}

/**
 * Writes `tensors` as a bundle at `prefix` (e.g. `<dir>/variables/variables`), spread round-robin
 * over `numShards` data files.
 */
export const writeTensorBundle = async (
  prefix: string,
  tensors: Record<string, WritableTensor>,
  numShards = 1,
): Promise<void> => {
  await mkdir(dirname(prefix), { recursive: true })
  const shards: Uint8Array[][] = Array.from({ length: numShards }, () => [])
  const offsets = new Array<number>(numShards).fill(0)
  const entries: [string, Uint8Array][] = [
    ['', encodeMessage('BundleHeaderProto', { numShards, version: { producer: 1 } })],
  ]
  Object.keys(tensors)
    .sort()
    .forEach((name, i) => {
      const t = tensors[name]!
      const shard = i % numShards
      const { bytes, crc } = encodeTensorBytes(t)
      entries.push([
        name,
        encodeMessage('BundleEntryProto', {
          dtype: t.dtype,
          shape: { dim: t.shape.map((size) => ({ size })) },
          shardId: shard,
          offset: offsets[shard],
          size: bytes.length,
          crc32c: maskCrc(crc),
        }),
      ])
      shards[shard]!.push(bytes)
      offsets[shard]! += bytes.length
    })
  await writeFile(`${prefix}.index`, writeTable(entries))
  for (let s = 0; s < numShards; s++)
    await writeFile(shardName(prefix, s, numShards), concat(shards[s]!))
}
