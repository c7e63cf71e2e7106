// Loads wasm/scan-numbers.ts (compiled, committed as scan-numbers.wasm) and runs it on a body.
// One instance per thread; its memory only grows, so bodies above WASM_MAX_BYTES stay on the
// JS scanner rather than pinning that much memory for good.
import { readFileSync } from 'node:fs'

const WASM_MAX_BYTES = 16 * 1024 * 1024
const PAGE = 65_536

interface Exports {
  memory: WebAssembly.Memory
  heapBase(): number
  resultAddress(): number
  shapeAddress(): number
  scanNumericArray(start: number, out: number, capacity: number): number
}

// Loaded with the module (1.4 KB, synchronous): a missing or broken file fails start-up.
const instance = new WebAssembly.Instance(
  new WebAssembly.Module(readFileSync(new URL('./scan-numbers.wasm', import.meta.url))),
).exports as unknown as Exports

/**
 * The dense numeric array starting at `bytes[start]`, as `scanNumericArray` in the wasm module
 * reads it: shape, float32 leaves and the index after its `]`; undefined whenever the JS
 * scanner must decide (not scannable here, or a number it converts on its slow path).
 */
export const scanNumericArrayWasm = (
  bytes: Uint8Array,
  start: number,
): { shape: number[]; data: Float32Array; end: number } | undefined => {
  const n = bytes.length - start
  if (n > WASM_MAX_BYTES) return undefined
  const w = instance
  const input = (w.heapBase() + 7) & ~7
  // Every leaf takes at least 2 bytes ("0,"), but the last: at most n/2 + 1 of them.
  const capacity = (n >> 1) + 1
  const out = (input + n + 1 + 7) & ~7
  const need = out + capacity * 4
  const have = w.memory.buffer.byteLength
  if (need > have) w.memory.grow(Math.ceil((need - have) / PAGE))
  const mem = new Uint8Array(w.memory.buffer)
  mem.set(bytes.subarray(start), input)
  mem[input + n] = 0
  const end = w.scanNumericArray(input, out, capacity)
  if (end < 0) return undefined
  const result = new Int32Array(w.memory.buffer, w.resultAddress(), 2)
  const k = result[0] as number
  const rank = result[1] as number
  const shape = Array.from(new Int32Array(w.memory.buffer, w.shapeAddress(), rank))
  const data = new Float32Array(w.memory.buffer, out, k).slice()
  return { shape, data, end: start + (end - input) }
}
