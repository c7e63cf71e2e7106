// Writes LevelDB tables ("SSTables") as TensorFlow's `variables.index` holds them, for the
// SavedModels the tests build: uncompressed blocks with restart points, an index block, the
// footer. The reader and the format's constants are in src/savedmodel/bundle/sstable.ts.
import { maskCrc } from '../../../src/savedmodel/bundle/crc32c.ts'
import {
  type BlockHandle,
  blockCrc,
  FOOTER_SIZE,
  MAGIC_HI,
  MAGIC_LO,
  TRAILER_SIZE,
} from '../../../src/savedmodel/bundle/sstable.ts'

const writeVarint = (out: number[], value: number): void => {
  let v = value
  while (v >= 0x80) {
    out.push((v % 128) | 0x80)
    v = Math.floor(v / 128)
  }
  out.push(v)
}

export const varintBytes = (value: number): Uint8Array => {
  const out: number[] = []
  writeVarint(out, value)
  return Uint8Array.from(out)
}

const writeHandle = (out: number[], h: BlockHandle): number[] => {
  writeVarint(out, h.offset)
  writeVarint(out, h.size)
  return out
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
