// A gRPC load generator for bench/tf-serving.ts, run as its own process so its CPU is not counted
// against the server: holds `concurrency` Predict calls in flight for `seconds`, sending one
// request encoded once (no per-call serialisation, as wrk does for REST), and prints
// `RESULT {"requests":…,"seconds":…,"failed":…}`.
// Usage: bun bench/grpc-load.ts <host:port> <concurrency> <seconds> <request .bin file>
import { readFileSync } from 'node:fs'
import * as grpc from '@grpc/grpc-js'
import { keepBusy } from './stats.ts'

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

const run = await keepBusy(concurrency, seconds, predict)
console.info(
  `RESULT ${JSON.stringify({ requests: run.done, seconds: run.seconds, failed: run.failed })}`,
)
client.close()
