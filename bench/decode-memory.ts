// `bun run bench:decode-memory`: peak RSS of a process that preprocesses the image of issue 15
// (5000×5000 RGB, 16 bits per sample, interlaced PNG) the way the worker does, one at a time and
// four at once (one delivery with four of them), with and without the decode limits.
//   before: only the pixel limit (MEDIA_MAX_PIXELS 25 Mpx), no limit on sides, bytes or
//           decodes at once — the worker's preprocessing before issue 15
//   after:  the worker's defaults (MEDIA_MAX_DIMENSION 4096, MEDIA_MAX_DECODE_BYTES 128 MiB,
//           MEDIA_DECODE_CONCURRENCY 2), and the same with only the byte budget (sides up to 8192)
// Also measures what decoding costs against the header's estimate for a few image kinds, which
// sets INTERLACED_FACTOR (workers/src/media/decode-budget.ts).
// Each case runs in a fresh process (peak RSS = VmHWM, reset before the run). Then the same
// image is sent by DM to a real chat worker (bench/worker-decode-rss.ts), before and after.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_MODEL_INPUT, ensureDefaultModel } from '@tweetbot/testing/default-model'
import sharp from 'sharp'
import { estimateDecodeBytes } from '../workers/src/media/decode-budget.ts'
import { createPreprocessor } from '../workers/src/media/preprocess.ts'
import { memoryMiB } from './proc-status.ts'
import { measureWorker } from './worker-decode-rss.ts'

const MiB = 2 ** 20
const input = DEFAULT_MODEL_INPUT
const LIMITS = {
  before: {
    maxPixels: 25_000_000,
    maxDimension: Number.POSITIVE_INFINITY,
    maxDecodeBytes: Number.POSITIVE_INFINITY,
    concurrency: 16, // the worker's image stage (2 × PREDICT_CONCURRENCY) was the only bound
  },
  after: { maxPixels: 25_000_000, maxDimension: 4096, maxDecodeBytes: 128 * MiB, concurrency: 2 },
  'after, bytes only': {
    maxPixels: 25_000_000,
    maxDimension: 8192,
    maxDecodeBytes: 128 * MiB,
    concurrency: 2,
  },
} as const
type Mode = keyof typeof LIMITS

/** In the child: preprocess `copies` of the file at once, print base and peak RSS. */
const child = async (file: string, mode: Mode, copies: number) => {
  sharp.cache(false) // as workers/src/main.ts
  const bytes = new Uint8Array(readFileSync(file))
  const pre = createPreprocessor(LIMITS[mode])
  Bun.gc(true)
  await Bun.sleep(100)
  const base = memoryMiB('self').rss
  writeFileSync('/proc/self/clear_refs', '5') // resets VmHWM to the current RSS
  const results = await Promise.allSettled(
    Array.from({ length: copies }, () => pre.preprocess(bytes, input)),
  )
  const refused = results.filter((r) => r.status === 'rejected')
  console.info(
    JSON.stringify({
      base,
      peak: memoryMiB('self').hwm,
      refused: refused.length,
      reason: refused[0]?.status === 'rejected' ? String(refused[0].reason.message) : undefined,
    }),
  )
}

const measure = async (file: string, mode: Mode, copies: number) => {
  const proc = Bun.spawn([process.execPath, import.meta.path, '--child', file, mode, `${copies}`], {
    stdout: 'pipe',
    stderr: 'inherit',
  })
  const out = await new Response(proc.stdout).text()
  if ((await proc.exited) !== 0) throw new Error(`child failed: ${out}`)
  return JSON.parse(out) as { base: number; peak: number; refused: number; reason?: string }
}

const image = async (
  width: number,
  height: number,
  channels: 3 | 4,
  opts: { bits16?: boolean; interlaced?: boolean; jpeg?: boolean },
) => {
  let img = sharp({ create: { width, height, channels, background: { r: 10, g: 200, b: 30 } } })
  if (opts.bits16) img = img.toColourspace(channels === 4 ? 'rgba16' : 'rgb16')
  const buf = await (opts.jpeg
    ? img.jpeg({ progressive: opts.interlaced })
    : img.png({ progressive: opts.interlaced, compressionLevel: 9 })
  ).toBuffer()
  return new Uint8Array(buf)
}

const main = async () => {
  const file = join(tmpdir(), `decode-bench-${process.pid}.png`)
  const fmt = (n: number) => n.toFixed(0).padStart(5)
  try {
    const subjects: [string, Uint8Array][] = [
      [
        'issue 15 image: 5000×5000 RGB, 16-bit, interlaced PNG',
        await image(5000, 5000, 3, { bits16: true, interlaced: true }),
      ],
      [
        'an admitted one: 4096×4096 RGBA, 8-bit, interlaced PNG',
        await image(4096, 4096, 4, { interlaced: true }),
      ],
    ]
    for (const [name, bytes] of subjects) {
      writeFileSync(file, bytes)
      console.info(`${name}, ${(bytes.length / 1024).toFixed(0)} KiB`)
      console.info('limits              at once  base MiB  peak MiB  growth MiB  refused')
      for (const mode of Object.keys(LIMITS) as Mode[])
        for (const copies of [1, 4]) {
          const r = await measure(file, mode, copies)
          console.info(
            `${mode.padEnd(18)}  ${String(copies).padStart(7)}  ${fmt(r.base)}     ${fmt(r.peak)}     ${fmt(r.peak - r.base)}       ${r.refused}/${copies}`,
          )
          if (r.reason && copies === 1) console.info(`  reason: ${r.reason}`)
        }
      console.info('')
    }

    console.info(
      'the chat worker process (bench/worker-decode-rss.ts), DMs with the issue 15 image',
    )
    console.info('limits   DMs  base MiB  peak MiB  growth MiB  replies')
    const modelDir = await ensureDefaultModel()
    for (const limits of ['before', 'after'] as const)
      for (const dms of [1, 4]) {
        const r = await measureWorker(subjects[0]![1], dms, limits, modelDir)
        console.info(
          `${limits.padEnd(6)}  ${String(dms).padStart(4)}  ${fmt(r.base)}     ${fmt(r.peak)}     ${fmt(r.peak - r.base)}       ${r.replies}`,
        )
      }
    console.info('')

    console.info('decode cost against the header estimate (one image, limits off)')
    console.info('image                                   estimate MiB  growth MiB  ratio')
    const kinds: [string, Parameters<typeof image>][] = [
      ['5000² RGB 16-bit PNG, interlaced', [5000, 5000, 3, { bits16: true, interlaced: true }]],
      ['5000² RGB 16-bit PNG', [5000, 5000, 3, { bits16: true }]],
      ['4096² RGBA 8-bit PNG, interlaced', [4096, 4096, 4, { interlaced: true }]],
      ['4096² RGB 8-bit PNG, interlaced', [4096, 4096, 3, { interlaced: true }]],
      ['4096² RGB 8-bit PNG', [4096, 4096, 3, {}]],
      ['4096² RGB JPEG, progressive', [4096, 4096, 3, { jpeg: true, interlaced: true }]],
      ['4096² RGB JPEG, baseline', [4096, 4096, 3, { jpeg: true }]],
    ]
    for (const [name, args] of kinds) {
      const bytes = await image(...args)
      writeFileSync(file, bytes)
      const header = await sharp(bytes).metadata()
      const frame = estimateDecodeBytes({ ...header, isProgressive: false }) / MiB
      const r = await measure(file, 'before', 1)
      const growth = r.peak - r.base
      console.info(
        `${name.padEnd(38)}  ${fmt(frame)}         ${fmt(growth)}       ${(growth / frame).toFixed(2)} × frame`,
      )
    }
  } finally {
    rmSync(file, { force: true })
  }
}

if (process.argv[2] === '--child')
  await child(process.argv[3]!, process.argv[4] as Mode, Number(process.argv[5]))
else await main()
