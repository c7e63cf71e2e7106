// TensorFlow's checkpoint format ("tensor bundle"): `<prefix>.index` is a LevelDB-format table
// mapping each tensor name to a BundleEntryProto (dtype, shape, shard, offset, size, masked
// CRC-32C); the empty key holds the BundleHeaderProto. Tensor bytes live in the data shards
// `<prefix>.data-0000N-of-0000M`. Numbers are raw little-endian; strings are varint64 lengths,
// a masked CRC-32C of the lengths (each taken as a uint32 LE), then the bytes.
// @see https://github.com/tensorflow/tensorflow/blob/master/tensorflow/core/util/tensor_bundle/tensor_bundle.h
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { isFile } from '../fs.ts'
import { decodeRaw, type HostTensor, JS_DTYPE, numElements, shapeOf } from '../graph/host-tensor.ts'
import { decodeMessage } from '../proto/schema.ts'
import type { BundleEntry, BundleHeader } from '../proto/types.ts'
import { crc32c, crc32cExtend, maskCrc } from './crc32c.ts'
import { readTable } from './sstable.ts'
import { readVarint } from './varint.ts'

export const shardName = (prefix: string, shard: number, numShards: number) =>
  `${prefix}.data-${String(shard).padStart(5, '0')}-of-${String(numShards).padStart(5, '0')}`

export interface TensorBundle {
  header: BundleHeader
  /** tensor name → entry (dtype, shape, shard, …), without the header key. */
  entries: Map<string, BundleEntry>
  /** Reads one tensor, verifying its checksum. */
  read(name: string): Promise<HostTensor>
}

export const u32le = (n: number) => {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n, true)
  return b
}

/** Decodes a string tensor's bytes and returns its CRC as TensorFlow computes it. */
const decodeStrings = (bytes: Uint8Array, n: number, what: string) => {
  const cur = { bytes, pos: 0 }
  const lengths: number[] = []
  let crc = 0
  for (let i = 0; i < n; i++) {
    const len = readVarint(cur)
    lengths.push(len)
    crc = crc32cExtend(crc, u32le(len))
  }
  if (cur.pos + 4 > bytes.length) throw new Error(`${what}: string tensor truncated`)
  const lenCrcBytes = bytes.subarray(cur.pos, cur.pos + 4)
  const storedLenCrc = new DataView(bytes.buffer, bytes.byteOffset + cur.pos, 4).getUint32(0, true)
  if (storedLenCrc !== maskCrc(crc))
    throw new Error(`${what}: checksum mismatch in the string lengths (data corrupted)`)
  crc = crc32cExtend(crc, lenCrcBytes)
  cur.pos += 4
  const data: Uint8Array[] = []
  for (const len of lengths) {
    if (cur.pos + len > bytes.length) throw new Error(`${what}: string tensor truncated`)
    const s = bytes.subarray(cur.pos, cur.pos + len)
    crc = crc32cExtend(crc, s)
    data.push(s.slice())
    cur.pos += len
  }
  return { data, crc }
}

/**
 * Opens the bundle at `prefix` (e.g. `<version>/variables/variables`): reads and checks the index
 * and that every data shard exists; tensors are read on demand.
 */
export const openTensorBundle = async (prefix: string): Promise<TensorBundle> => {
  const indexPath = `${prefix}.index`
  const rel = (p: string) => `variables/${basename(p)}`
  if (!(await isFile(indexPath))) throw new Error(`${rel(indexPath)} is missing`)
  let table: Map<string, Uint8Array>
  try {
    table = readTable(new Uint8Array(await readFile(indexPath)))
  } catch (err) {
    throw new Error(`${rel(indexPath)} is corrupt: ${(err as Error).message}`)
  }
  const headerBytes = table.get('')
  if (!headerBytes) throw new Error(`${rel(indexPath)} has no bundle header`)
  const header = decodeMessage<BundleHeader>('BundleHeaderProto', headerBytes)
  if (header.endianness === 'BIG') throw new Error('big-endian checkpoints are not supported')
  const numShards = header.numShards ?? 1
  for (let s = 0; s < numShards; s++) {
    const shard = shardName(prefix, s, numShards)
    if (!(await isFile(shard)))
      throw new Error(`variables shard ${rel(shard)} is missing (the index lists ${numShards})`)
  }
  const entries = new Map<string, BundleEntry>()
  for (const [k, v] of table)
    if (k !== '') entries.set(k, decodeMessage<BundleEntry>('BundleEntryProto', v))
  const shards = new Map<number, Uint8Array>()
  const shardBytes = async (id: number) => {
    let b = shards.get(id)
    if (!b) {
      b = new Uint8Array(await readFile(shardName(prefix, id, numShards)))
      shards.set(id, b)
    }
    return b
  }
  return {
    header,
    entries,
    async read(name) {
      const e = entries.get(name)
      if (!e) throw new Error(`checkpoint has no tensor named '${name}'`)
      const what = `checkpoint tensor '${name}'`
      if (e.slices && e.slices.length > 0)
        throw new Error(`${what} is saved in slices (partitioned variable), which is not supported`)
      const dtype = e.dtype ?? 'DT_INVALID'
      if (!JS_DTYPE[dtype]) throw new Error(`${what} has dtype ${dtype}, which is not supported`)
      const shard = e.shardId ?? 0
      const file = await shardBytes(shard)
      const offset = e.offset ?? 0
      const size = e.size ?? 0
      if (offset + size > file.length)
        throw new Error(
          `${what} lies past the end of ${rel(shardName(prefix, shard, numShards))} (truncated)`,
        )
      const bytes = file.subarray(offset, offset + size)
      const shape = shapeOf(e.shape)
      if (dtype === 'DT_STRING') {
        const { data, crc } = decodeStrings(bytes, numElements(shape), what)
        if (maskCrc(crc) !== e.crc32c)
          throw new Error(`${what}: checksum mismatch (data corrupted)`)
        return { dtype: 'string', shape, data }
      }
      if (maskCrc(crc32c(bytes)) !== e.crc32c)
        throw new Error(`${what}: checksum mismatch (data corrupted)`)
      return decodeRaw(dtype, shape, bytes, what)
    },
  }
}
