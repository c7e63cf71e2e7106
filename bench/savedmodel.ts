// `bun run bench:savedmodel`: what reading a SavedModel costs compared with the same weights
// already converted to a TF.js graph model (model.json + .bin), on the same backend (wasm), in
// the same run. Both paths end in the same executor; the SavedModel path adds protobuf parsing,
// bundle reading with CRC32C checks and graph conversion.
// Options: --loads=N (default 7), --predicts=N (default 60), --size=N input side (default 96).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { selectBackend } from '../tf-serving/src/inference/backend.ts'
import { createExecutor } from '../tf-serving/src/inference/executor.ts'
import type { WireTensor } from '../tf-serving/src/inference/protocol.ts'
import { tfjsModelLoader } from '../tf-serving/src/loaders/tfjs.ts'
import type { ModelLoader, ServableArtifacts } from '../tf-serving/src/loaders/types.ts'
import { convertSavedModel } from '../tf-serving/src/savedmodel/convert.ts'
import { savedModelLoader } from '../tf-serving/src/savedmodel/loader.ts'
import {
  classifierWeights,
  tf1Classifier,
  tf2Classifier,
} from '../tf-serving/test/support/savedmodel-writer/sample-models.ts'
import { writeSavedModel } from '../tf-serving/test/support/savedmodel-writer/write-saved-model.ts'
import { median, percentileOf } from './stats.ts'

const arg = (name: string, fallback: number) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`))
  return hit ? Number(hit.split('=')[1]) : fallback
}
const LOADS = arg('loads', 7)
const PREDICTS = arg('predicts', 60)
const SIZE = arg('size', 96)

const ms = (x: number) => `${x.toFixed(1)} ms`

const dir = await mkdtemp(join(tmpdir(), 'bench-savedmodel-'))
try {
  // A small CNN with a MobileNet-sized classifier head: 4 conv blocks, 1000 classes.
  const weights = classifierWeights({
    size: SIZE,
    channels: [16, 32, 64, 128],
    classes: 1000,
    seed: 3,
  })
  await writeSavedModel(join(dir, 'tf1'), tf1Classifier(weights))
  await writeSavedModel(join(dir, 'tf2'), tf2Classifier(weights))
  // The same graph and weights as a TF.js graph model, as tensorflowjs_converter would lay it out.
  const converted = await convertSavedModel(join(dir, 'tf1'))
  const tfjsDir = join(dir, 'tfjs')
  await mkdir(tfjsDir, { recursive: true })
  const sig = converted.signatures.serving_default!
  await writeFile(
    join(tfjsDir, 'model.json'),
    JSON.stringify({
      format: 'graph-model',
      generatedBy: 'bench',
      convertedBy: 'bench',
      modelTopology: converted.artifacts.modelTopology,
      weightsManifest: [
        { paths: ['group1-shard1of1.bin'], weights: converted.artifacts.weightSpecs },
      ],
      userDefinedMetadata: {
        signature_def: {
          serving_default: {
            method_name: sig.methodName,
            inputs: sig.inputs,
            outputs: sig.outputs,
          },
        },
      },
    }),
  )
  await writeFile(
    join(tfjsDir, 'group1-shard1of1.bin'),
    new Uint8Array(converted.artifacts.weightData as ArrayBuffer),
  )
  const weightMb = (converted.artifacts.weightData as ArrayBuffer).byteLength / 1e6

  // The executor runs graphs with executeAsync; TF.js then warns on every call that execute()
  // would do for this graph. Keep the figures readable.
  const warn = console.warn
  console.warn = (...a: unknown[]) => {
    if (!String(a[0]).includes('did not contain any nodes with control flow')) warn(...a)
  }
  const backend = await selectBackend('wasm')
  const executor = createExecutor(backend.tf)
  const image: WireTensor = {
    dtype: 'float32',
    shape: [1, SIZE, SIZE, 3],
    data: Float32Array.from({ length: SIZE * SIZE * 3 }, (_, i) => (i % 97) / 97),
  }
  const predict = (key: string) =>
    executor.run(key, 'serving_default', { images: image }, ['probabilities'])

  const variants: { label: string; loader: ModelLoader; path: string }[] = [
    { label: 'SavedModel (TF1)', loader: savedModelLoader, path: join(dir, 'tf1') },
    { label: 'SavedModel (TF2)', loader: savedModelLoader, path: join(dir, 'tf2') },
    { label: 'TF.js graph model', loader: tfjsModelLoader, path: tfjsDir },
  ]
  const loadTimes = new Map(
    variants.map((v) => [
      v.label,
      { read: [] as number[], instantiate: [] as number[], first: [] as number[] },
    ]),
  )
  // Interleaved rounds so drift (GC, other processes) hits every variant alike.
  for (let round = 0; round < LOADS; round++)
    for (const v of variants) {
      const t = loadTimes.get(v.label)!
      const t0 = performance.now()
      const servable: ServableArtifacts = await v.loader.load(v.path)
      const t1 = performance.now()
      await executor.load(v.label, servable)
      const t2 = performance.now()
      await predict(v.label)
      const t3 = performance.now()
      t.read.push(t1 - t0)
      t.instantiate.push(t2 - t1)
      t.first.push(t3 - t2)
      if (round < LOADS - 1) executor.unload(v.label)
    }

  const latencies = new Map(variants.map((v) => [v.label, [] as number[]]))
  for (let i = 0; i < PREDICTS; i++)
    for (const v of variants) {
      const t0 = performance.now()
      await predict(v.label)
      latencies.get(v.label)!.push(performance.now() - t0)
    }

  // Same numbers from every path (same weights, same graph).
  const outs = await Promise.all(variants.map((v) => predict(v.label)))
  const first = outs[0]!.probabilities!.data as Float32Array
  const maxDiff = Math.max(
    ...outs.map((o) =>
      Math.max(
        ...Array.from(o.probabilities!.data as Float32Array, (x, i) => Math.abs(x - first[i]!)),
      ),
    ),
  )

  console.info(
    `bench:savedmodel — backend ${backend.name}; CNN ${SIZE}×${SIZE}×3 → 1000 classes, ${weightMb.toFixed(1)} MB of weights`,
  )
  console.info(
    `load: median of ${LOADS} interleaved rounds (read+convert | instantiate in TF.js | first predict | total)`,
  )
  const base = loadTimes.get('TF.js graph model')!
  const baseTotal = median(base.read.map((r, i) => r + base.instantiate[i]! + base.first[i]!))
  for (const v of variants) {
    const t = loadTimes.get(v.label)!
    const total = median(t.read.map((r, i) => r + t.instantiate[i]! + t.first[i]!))
    console.info(
      `  ${v.label.padEnd(18)} ${ms(median(t.read)).padStart(10)} | ${ms(median(t.instantiate)).padStart(9)} | ${ms(median(t.first)).padStart(9)} | ${ms(total).padStart(9)}  (${(total / baseTotal).toFixed(2)}× TF.js)`,
    )
  }
  console.info(`predict latency, batch 1, ${PREDICTS} interleaved runs (median | p90)`)
  const baseLat = median(latencies.get('TF.js graph model')!)
  for (const v of variants) {
    const l = latencies.get(v.label)!
    console.info(
      `  ${v.label.padEnd(18)} ${ms(median(l)).padStart(9)} | ${ms(percentileOf(l, 90)).padStart(9)}  (${(median(l) / baseLat).toFixed(2)}× TF.js)`,
    )
  }
  console.info(`max |difference| between the paths' probabilities: ${maxDiff.toExponential(2)}`)
} finally {
  await rm(dir, { recursive: true, force: true })
}
