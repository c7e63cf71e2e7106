// A gRPC load generator for bench/tf-serving.ts, run as its own process so its CPU is not counted
// against the server: holds `concurrency` Predict calls in flight for `seconds`, sending one
// request encoded once (no per-call serialisation, as wrk does for REST), and prints
// `RESULT {"requests":…,"seconds":…,"failed":…}`.
// Usage: bun bench/grpc-load.ts <host:port> <concurrency> <seconds> <request .bin file>
import { readFileSync } from 'node:fs'
import * as grpc from '@grpc/grpc-js'

const [address, c, s, file] = process.argv.slice(2)
const concurrency = Number(c)
const seconds = Number(s)
const request = readFileSync(file as string)
const client = new grpc.Client(address as string, grpc.credentials.createInsecure(), {
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
})
const PATH = '/tensorflow.serving.PredictionService/Predict'
const predict = () =>
  new Promise<void>((resolve, reject) =>
    client.makeUnaryRequest(
      PATH,
      (b: Buffer) => b,
      (b: Buffer) => b,
      request,
      (err) => (err ? reject(err) : resolve()),
    ),
  )

let requests = 0
let failed = 0
const start = performance.now()
const end = start + seconds * 1000
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      try {
        await predict()
        requests++
      } catch {
        failed++
      }
    }
  }),
)
const elapsed = (performance.now() - start) / 1000
console.info(`RESULT ${JSON.stringify({ requests, seconds: elapsed, failed })}`)
client.close()
