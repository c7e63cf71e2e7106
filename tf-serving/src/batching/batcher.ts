// Dynamic batching as TF Serving's BasicBatchScheduler does it: concurrent requests for the same
// servable, signature and input shapes queue into an open batch; the batch closes when it would
// exceed max_batch_size, and runs when a batch thread is free and the batch is full or its
// batch_timeout_micros has passed. Each queue holds at most max_enqueued_batches batches; beyond
// that a request fails at once with TF's "queue is full" error instead of waiting.
// @see https://github.com/tensorflow/serving/blob/master/tensorflow_serving/batching/README.md

import type { BatchingParameters } from '../config/batching-params.ts'
import type { Deadline } from '../inference/deadline.ts'
import type { Runner, TensorMap } from '../inference/protocol.ts'
import { invalidArgument, ServingError } from '../rest/errors.ts'
import { taskTooLarge } from '../rest/messages.ts'
import { batchSignature, concatRows, rowsOf, sliceRows } from './tensors.ts'

interface Task {
  inputs: TensorMap
  rows: number
  /** Passed (its caller gave up) before the batch ran: left out of it. */
  deadline: Deadline | undefined
  resolve: (out: TensorMap) => void
  reject: (err: Error) => void
}

interface Batch {
  queue: Queue
  tasks: Task[]
  rows: number
  openedAt: number
  closed: boolean
}

interface Queue {
  id: string
  key: string
  signature: string
  outputs: string[]
  /** Batches not yet running; the last one may still be open. */
  batches: Batch[]
}

export interface BatcherHooks {
  /** Called with each batch's row count as it starts. */
  onBatch?: (rows: number, tasks: number) => void
}

export class Batcher {
  #queues = new Map<string, Queue>()
  #running = 0
  #timer: ReturnType<typeof setTimeout> | undefined
  readonly threads: number

  constructor(
    readonly params: BatchingParameters & { numBatchThreads: number },
    readonly run: Runner,
    readonly hooks: BatcherHooks = {},
  ) {
    this.threads = Math.max(1, params.numBatchThreads)
  }

  /** Requests waiting in queues (not yet running). */
  get queuedTasks() {
    let n = 0
    for (const q of this.#queues.values()) for (const b of q.batches) n += b.tasks.length
    return n
  }

  /** Queues one request's run into a batch (a Runner, so it can stand where the pool does). */
  readonly submit: Runner = (key, signature, inputs, outputs, deadline) => {
    const rows = rowsOf(inputs)
    // Scalars or inputs with differing 0th dims cannot be joined with others; run them alone.
    if (rows === undefined) return this.run(key, signature, inputs, outputs, deadline)
    if (rows > this.params.maxBatchSize)
      return Promise.reject(invalidArgument(taskTooLarge(rows, this.params.maxBatchSize)))
    const id = `${key}\n${signature}\n${outputs.join(',')}\n${batchSignature(inputs)}`
    let q = this.#queues.get(id)
    if (!q) {
      q = { id, key, signature, outputs, batches: [] }
      this.#queues.set(id, q)
    }
    const queue = q
    return new Promise<TensorMap>((resolve, reject) => {
      let open = queue.batches.at(-1)
      if (!open || open.closed || open.rows + rows > this.params.maxBatchSize) {
        if (queue.batches.length >= this.params.maxEnqueuedBatches) {
          reject(
            new ServingError(
              'UNAVAILABLE',
              'The batch scheduling queue to which this task was submitted is full',
            ),
          )
          return
        }
        if (open) open.closed = true
        open = { queue, tasks: [], rows: 0, openedAt: performance.now(), closed: false }
        queue.batches.push(open)
      }
      open.tasks.push({ inputs, rows, deadline, resolve, reject })
      open.rows += rows
      if (open.rows >= this.params.maxBatchSize) open.closed = true
      this.#schedule()
    })
  }

  #schedule() {
    const timeoutMs = this.params.batchTimeoutMicros / 1000
    while (this.#running < this.threads) {
      const now = performance.now()
      let pick: Batch | undefined
      let nextDeadline = Number.POSITIVE_INFINITY
      for (const q of this.#queues.values()) {
        const b = q.batches[0]
        if (!b || b.tasks.length === 0) continue
        const ready = b.closed || now - b.openedAt >= timeoutMs
        if (ready) {
          if (!pick || b.openedAt < pick.openedAt) pick = b
        } else nextDeadline = Math.min(nextDeadline, b.openedAt + timeoutMs)
      }
      if (!pick) {
        if (nextDeadline < Number.POSITIVE_INFINITY && !this.#timer)
          this.#timer = setTimeout(
            () => {
              this.#timer = undefined
              this.#schedule()
            },
            Math.max(0, nextDeadline - now),
          )
        return
      }
      pick.queue.batches.shift()
      pick.closed = true
      if (pick.queue.batches.length === 0) this.#queues.delete(pick.queue.id)
      this.#running++
      void this.#execute(pick).finally(() => {
        this.#running--
        this.#schedule()
      })
    }
  }

  async #execute(whole: Batch) {
    const batch = withoutAbandoned(whole)
    if (batch.tasks.length === 0) return
    const { key, signature, outputs } = batch.queue
    this.hooks.onBatch?.(batch.rows, batch.tasks.length)
    try {
      const names = Object.keys(batch.tasks[0]?.inputs ?? {})
      const joined: TensorMap = {}
      for (const n of names) joined[n] = concatRows(batch.tasks.map((t) => t.inputs[n] as never))
      const result = await this.run(key, signature, joined, outputs)
      for (const [name, t] of Object.entries(result))
        if (t.shape[0] !== batch.rows)
          throw new ServingError(
            'INTERNAL',
            `Batched output tensor's 0th dimension does not equal the sum of the 0th dimension sizes of the input tensors (output ${name})`,
          )
      let start = 0
      for (const task of batch.tasks) {
        const mine: TensorMap = {}
        for (const [name, t] of Object.entries(result)) mine[name] = sliceRows(t, start, task.rows)
        start += task.rows
        task.resolve(mine)
      }
    } catch (err) {
      for (const task of batch.tasks) task.reject(err as Error)
    }
  }
}

/** The batch without the tasks whose callers gave up (each is rejected with its abort reason). */
const withoutAbandoned = (batch: Batch): Batch => {
  const live = batch.tasks.filter((t) => {
    if (!t.deadline?.passed) return true
    t.reject(t.deadline.error())
    return false
  })
  if (live.length === batch.tasks.length) return batch
  return { ...batch, tasks: live, rows: live.reduce((n, t) => n + t.rows, 0) }
}
