// The LevelDB table format ("SSTable") that TensorFlow uses for `variables.index`: data blocks of
// prefix-compressed key/value entries with restart points, an index block pointing at them, and
// a 48-byte footer ending in a magic number. Every block carries a type byte (compression) and a
// masked CRC-32C. TensorFlow compresses the bundle index blocks with snappy; we write them uncompressed.
// @see https://github.com/google/leveldb/blob/main/doc/table_format.md
import { crc32c, crc32cExtend, maskCrc, unmaskCrc } from './crc32c.ts'
import { snappyUncompress } from './snappy.ts'
import { type Cursor, readVarint, writeVarint } from './varint.ts'

const MAGIC_LO = 0x8b80fb57
const MAGIC_HI = 0xdb477524
const FOOTER_SIZE = 48
const TRAILER_SIZE = 5

interface BlockHandle {
  offset: number
  size: number
}

const readHandle = (cur: Cursor): BlockHandle => ({
  offset: readVarint(cur),
  size: readVarint(cur),
})

const writeHandle = (out: number[], h: BlockHandle): number[] => {
  writeVarint(out, h.offset)
  writeVarint(out, h.size)
  return out
}

/** A block's checksum covers its contents and the compression type byte after them. */
const blockCrc = (contents: Uint8Array, type: number) =>
  crc32cExtend(crc32c(contents), Uint8Array.of(type))

const readBlock = (file: Uint8Array, h: BlockHandle, what: string): Uint8Array => {
  if (h.offset + h.size + TRAILER_SIZE > file.length)
    throw new Error(`${what} block [${h.offset}, +${h.size}] lies past the end of the file`)
  const contents = file.subarray(h.offset, h.offset + h.size)
  const type = file[h.offset + h.size]!
  const view = new DataView(file.buffer, file.byteOffset + h.offset + h.size + 1, 4)
  const stored = unmaskCrc(view.getUint32(0, true))
  if (stored !== blockCrc(contents, type))
    throw new Error(`${what} block at offset ${h.offset}: checksum mismatch`)
  if (type === 1) return snappyUncompress(contents)
  if (type !== 0) throw new Error(`${what} block has unknown compression type ${type}`)
  return contents
}

/** All entries of one block, in order. */
const blockEntries = (block: Uint8Array, what: string): [Uint8Array, Uint8Array][] => {
  if (block.length < 4) throw new Error(`${what} block is too short`)
  const view = new DataView(block.buffer, block.byteOffset, block.length)
  const numRestarts = view.getUint32(block.length - 4, true)
  const end = block.length - 4 - numRestarts * 4
  if (end < 0) throw new Error(`${what} block has a corrupt restart array`)
  const out: [Uint8Array, Uint8Array][] = []
  const cur: Cursor = { bytes: block.subarray(0, end), pos: 0 }
  let key = new Uint8Array(0)
  while (cur.pos < end) {
    const shared = readVarint(cur)
    const nonShared = readVarint(cur)
    const valueLen = readVarint(cur)
    if (shared > key.length || cur.pos + nonShared + valueLen > end)
      throw new Error(`${what} block has a corrupt entry at byte ${cur.pos}`)
    const next = new Uint8Array(shared + nonShared)
    next.set(key.subarray(0, shared))
    next.set(cur.bytes.subarray(cur.pos, cur.pos + nonShared), shared)
    cur.pos += nonShared
    key = next
    out.push([key, cur.bytes.subarray(cur.pos, cur.pos + valueLen)])
    cur.pos += valueLen
  }
  return out
}

const decoder = new TextDecoder('utf-8', { fatal: false })

/** Reads every key/value of a table. Keys are decoded as UTF-8 (tensor names are). */
export const readTable = (file: Uint8Array): Map<string, Uint8Array> => {
  if (file.length < FOOTER_SIZE) throw new Error(`table is ${file.length} bytes, too short`)
  const footer = file.subarray(file.length - FOOTER_SIZE)
  const fv = new DataView(footer.buffer, footer.byteOffset, FOOTER_SIZE)
  if (fv.getUint32(40, true) !== MAGIC_LO || fv.getUint32(44, true) !== MAGIC_HI)
    throw new Error('table footer has a bad magic number (not a LevelDB-format table)')
  const cur: Cursor = { bytes: footer, pos: 0 }
  readHandle(cur) // metaindex: holds filter blocks only, which we do not need
  const indexHandle = readHandle(cur)
  const entries = new Map<string, Uint8Array>()
  for (const [, handleBytes] of blockEntries(readBlock(file, indexHandle, 'index'), 'index')) {
    const h = readHandle({ bytes: handleBytes, pos: 0 })
    for (const [k, v] of blockEntries(readBlock(file, h, 'data'), 'data'))
      entries.set(decoder.decode(k), v)
  }
  return entries
}

const encoder = new TextEncoder()

const compareBytes = (a: Uint8Array, b: Uint8Array) => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

class BlockBuilder {
  private out: number[] = []
  private restarts: number[] = [0]
  private last: Uint8Array = new Uint8Array(0)
  private count = 0
  constructor(private readonly restartInterval: number) {}
  get size() {
    return this.out.length
  }
  get empty() {
    return this.count === 0 && this.out.length === 0
  }
  add(key: Uint8Array, value: Uint8Array) {
    let shared = 0
    if (this.count < this.restartInterval) {
      const n = Math.min(this.last.length, key.length)
      while (shared < n && this.last[shared] === key[shared]) shared++
    } else {
      this.restarts.push(this.out.length)
      this.count = 0
    }
    writeVarint(this.out, shared)
    writeVarint(this.out, key.length - shared)
    writeVarint(this.out, value.length)
    for (let i = shared; i < key.length; i++) this.out.push(key[i]!)
    for (const b of value) this.out.push(b)
    this.last = key
    this.count++
  }
  finish(): Uint8Array {
    const bytes = new Uint8Array(this.out.length + this.restarts.length * 4 + 4)
    bytes.set(this.out)
    const view = new DataView(bytes.buffer)
    let p = this.out.length
    for (const r of this.restarts) {
      view.setUint32(p, r, true)
      p += 4
    }
    view.setUint32(p, this.restarts.length, true)
    return bytes
  }
}

/** Writes a table holding `entries` (sorted by key bytes here), uncompressed. */
export const writeTable = (
  entries: Iterable<[string, Uint8Array]>,
  blockSize = 4096,
): Uint8Array => {
  const sorted = [...entries]
    .map(([k, v]) => [encoder.encode(k), v] as const)
    .sort((a, b) => compareBytes(a[0], b[0]))
  const chunks: Uint8Array[] = []
  let offset = 0
  const emit = (contents: Uint8Array): BlockHandle => {
    const trailer = new Uint8Array(TRAILER_SIZE)
    new DataView(trailer.buffer).setUint32(1, maskCrc(blockCrc(contents, 0)), true)
    const h = { offset, size: contents.length }
    chunks.push(contents, trailer)
    offset += contents.length + TRAILER_SIZE
    return h
  }
  const index = new BlockBuilder(1)
  const handleBytes = (h: BlockHandle) => Uint8Array.from(writeHandle([], h))
  let block = new BlockBuilder(16)
  let lastKey: Uint8Array | undefined
  for (const [k, v] of sorted) {
    block.add(k, v)
    lastKey = k
    if (block.size >= blockSize) {
      index.add(k, handleBytes(emit(block.finish())))
      block = new BlockBuilder(16)
      lastKey = undefined
    }
  }
  if (lastKey || index.empty)
    index.add(lastKey ?? new Uint8Array(0), handleBytes(emit(block.finish())))
  const metaHandle = emit(new BlockBuilder(1).finish())
  const indexHandle = emit(index.finish())
  const footer = new Uint8Array(FOOTER_SIZE)
  footer.set(writeHandle(writeHandle([], metaHandle), indexHandle))
  const fv = new DataView(footer.buffer)
  fv.setUint32(40, MAGIC_LO, true)
  fv.setUint32(44, MAGIC_HI, true)
  chunks.push(footer)
  return new Uint8Array(Bun.concatArrayBuffers(chunks))
}
