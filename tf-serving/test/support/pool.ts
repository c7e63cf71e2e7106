// An inference pool made ready to serve one model, for tests and benches that drive the pool
// directly (no HTTP): the workers started, the servable loaded, one request ready to repeat.
import type { InferencePool } from '../../src/inference/pool.ts'
import type { ServableForWorker, TensorMap } from '../../src/inference/protocol.ts'

export interface PoolRequest {
  signature: string
  /** Called for every run: thread workers take input buffers by transfer, so each run needs its own. */
  inputs: () => TensorMap
  outputs: string[]
}

/** Starts `pool`, loads `servable` into every worker as `key`; returns a call that runs `request`. */
export const servePool = async (
  pool: InferencePool,
  key: string,
  servable: ServableForWorker,
  request: PoolRequest,
) => {
  await pool.start()
  await pool.load(key, servable)
  return () => pool.run(key, request.signature, request.inputs(), request.outputs)
}
