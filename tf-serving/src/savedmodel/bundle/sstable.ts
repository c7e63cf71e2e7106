// The LevelDB table format ("SSTable") that TensorFlow uses for `variables.index`: data blocks of
// prefix-compressed key/value entries with restart points, an index block pointing at them, and
// a 48-byte footer ending in a magic number. Every block carries a type byte (compression) and a
// masked CRC-32C. TensorFlow compresses the bundle index blocks with snappy; we write them uncompressed.
// @see https://github.com/google/leveldb/blob/main/doc/table_format.md
import { crc32c, crc32cExtend, unmaskCrc } from './crc32c.ts'
import { snappyUncompress } from './snappy.ts'
import { type Cursor, readVarint } from './varint.ts'

// The format's constants, also used by the test support's table writer.
export const MAGIC_LO = 0x8b80fb57
export const MAGIC_HI = 0xdb477524
export const FOOTER_SIZE = 48
export const TRAILER_SIZE = 5

export interface BlockHandle {
  offset: number
  size: number
}

const readHandle = (cur: Cursor): BlockHandle => ({
  offset: readVarint(cur),
  size: readVarint(cur),
})

/** A block's checksum covers its contents and the compression type byte after them. */
export const blockCrc = (contents: Uint8Array, type: number) =>
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
