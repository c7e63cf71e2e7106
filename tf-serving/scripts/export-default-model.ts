// `make models`: exports the MobileNetV2 NSFW classifier that ships inside the nsfwjs npm package
// into `<outDir>/1/` as a standard TF.js layers model folder (model.json + one .bin) plus
// labels.txt, offline. Re-running is cheap: a stamp records what was exported from which package.
//
// Usage: bun tf-serving/scripts/export-default-model.ts models/default
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'

const LABELS = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy']
const STAMP = '.export-stamp'
const FORMAT_REVISION = 1

const outDir = process.argv[2]
if (!outDir) {
  console.error('usage: bun tf-serving/scripts/export-default-model.ts <outDir>')
  process.exit(2)
}

const require = createRequire(import.meta.path)
const nsfwRoot = dirname(require.resolve('nsfwjs/package.json'))
const srcDir = join(nsfwRoot, 'dist/models/mobilenet_v2')
const nsfwVersion = (
  JSON.parse(readFileSync(join(nsfwRoot, 'package.json'), 'utf8')) as { version: string }
).version
const stamp = JSON.stringify({ source: 'nsfwjs/mobilenet_v2', nsfwVersion, FORMAT_REVISION })
const versionDir = resolve(outDir, '1')

if (
  existsSync(join(versionDir, STAMP)) &&
  readFileSync(join(versionDir, STAMP), 'utf8') === stamp
) {
  console.info(`models: ${versionDir} is up to date (nsfwjs ${nsfwVersion})`)
  process.exit(0)
}

interface KerasJson {
  modelTopology: {
    model_config: {
      config: {
        input_layers: [string, number, number][]
        output_layers: [string, number, number][]
      }
    }
  }
  weightsManifest: { paths: string[]; weights: unknown[] }[]
}
// The package ships the files as UMD modules (a JSON object and a base64 string) so bundlers can
// inline them; require() evaluates them without any network or browser.
const model = require(join(srcDir, 'model.min.js')) as KerasJson
const weightsB64 = require(join(srcDir, 'group1-shard1of1.min.js')) as string
const weights = Buffer.from(weightsB64, 'base64')

const config = model.modelTopology.model_config.config
const inputName = config.input_layers[0]?.[0] ?? 'input_1'
const outputName = config.output_layers[0]?.[0] ?? 'dense_3'
const BIN = 'group1-shard1of1.bin'

const signature = (method: string, outputAlias: string) => ({
  method_name: method,
  inputs: { [inputName]: { name: inputName, dtype: 'DT_FLOAT', shape: [-1, 224, 224, 3] } },
  outputs: { [outputAlias]: { name: outputName, dtype: 'DT_FLOAT', shape: [-1, LABELS.length] } },
})

const modelJson = {
  format: 'layers-model',
  generatedBy: 'keras v2.2.4',
  convertedBy: 'tf-tweetbot export-default-model (from nsfwjs)',
  modelTopology: model.modelTopology,
  weightsManifest: model.weightsManifest.map((g) => ({ ...g, paths: [BIN] })),
  userDefinedMetadata: {
    // Clients learn the input from GET /v1/models/default/metadata: [-1, 224, 224, 3] float
    // RGB, values scaled to [0, 1]; outputs are softmax probabilities in labels.txt order.
    input_range: [0, 1],
    labels: LABELS,
    signature_def: {
      serving_default: signature('tensorflow/serving/predict', outputName),
      classify: signature('tensorflow/serving/classify', 'scores'),
    },
  },
}

// Write next to the target and rename, so a server polling the folder never sees half a model.
const tmpDir = resolve(outDir, `.1.tmp-${process.pid}`)
await rm(tmpDir, { recursive: true, force: true })
await mkdir(tmpDir, { recursive: true })
await writeFile(join(tmpDir, 'model.json'), JSON.stringify(modelJson))
await writeFile(join(tmpDir, BIN), weights)
await writeFile(join(tmpDir, 'labels.txt'), `${LABELS.join('\n')}\n`)
await writeFile(join(tmpDir, STAMP), stamp)
await rm(versionDir, { recursive: true, force: true })
await rename(tmpDir, versionDir)
console.info(
  `models: exported nsfwjs ${nsfwVersion} MobileNetV2 to ${versionDir} (${(weights.byteLength / 1e6).toFixed(1)} MB)`,
)
