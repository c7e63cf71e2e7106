// Limits every model run shares, whatever route (predict, classify, regress) asked for it:
// at most `maxRows` rows per request, and a deadline after which the run is given up and, if it
// has not started yet, never starts (the pool and the batcher drop it from their queues).
import { invalidArgument } from '../rest/errors.ts'
import { taskTooLarge } from '../rest/messages.ts'
import { Deadline } from './deadline.ts'
import type { Runner, TensorMap } from './protocol.ts'

/** The largest dimension 0 among the inputs (a scalar counts as one row). */
const requestRows = (inputs: TensorMap): number => {
  let rows = 0
  for (const t of Object.values(inputs))
    rows = Math.max(rows, t.shape.length === 0 ? 1 : (t.shape[0] as number))
  return rows
}

/**
 * Refuses a request with more than `maxRows` rows before it reaches a worker: a 32 MB body of
 * ~100 images would otherwise grow an inference worker's heap by gigabytes. The message is TF
 * Serving's batching one (INVALID_ARGUMENT, 400).
 * @see tensorflow/core/kernels/batching_util/batch_resource_base.cc ("Task size … is larger than maximum input batch size")
 */
export const withRowLimit =
  (run: Runner, maxRows: number): Runner =>
  (key, sig, inputs, outputs, deadline) => {
    const rows = requestRows(inputs)
    if (rows > maxRows) return Promise.reject(invalidArgument(taskTooLarge(rows, maxRows)))
    return run(key, sig, inputs, outputs, deadline)
  }

/**
 * --rest_api_timeout_in_ms bounds the model run, as TF Serving's RunOptions timeout does. The
 * run carries its deadline, so a run still queued when it passes is dropped (the pool and the
 * batcher check it whenever they hand out work) instead of occupying a worker for a client that
 * has gone; a timer also answers the caller at the deadline when the run is already going.
 */
export const withDeadline =
  (run: Runner, timeoutMs: number): Runner =>
  (key, sig, inputs, outputs, outer) => {
    const deadline = Deadline.in(timeoutMs)
    const mine = outer && outer.at < deadline.at ? outer : deadline
    let timer: ReturnType<typeof setTimeout> | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(mine.error()), Math.max(0, mine.at - performance.now()))
    })
    return Promise.race([run(key, sig, inputs, outputs, mine), late]).finally(() =>
      clearTimeout(timer),
    )
  }
