// Little-endian base-128 varints as LevelDB and protobuf write them (up to 64 bits, as numbers).

export interface Cursor {
  bytes: Uint8Array
  pos: number
}

/** Reads a varint at `cur.pos` and advances; throws when it runs off the end. */
export const readVarint = (cur: Cursor): number => {
  let result = 0
  let mul = 1
  for (let i = 0; i < 10; i++) {
    if (cur.pos >= cur.bytes.length) throw new Error('truncated varint')
    const b = cur.bytes[cur.pos++]!
    result += (b & 0x7f) * mul
    if ((b & 0x80) === 0) return result
    mul *= 128
  }
  throw new Error('varint longer than 10 bytes')
}
