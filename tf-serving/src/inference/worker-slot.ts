// One inference worker as the pool sees it: a Bun Worker thread or a child process running
// worker-entry.ts, the calls waiting for its answers, and its state in the pool. Spawning and the
// message plumbing live here; what to do on a heap report or an exit is the pool's.
import { InferenceError } from './inference-error.ts'
import {
  type CrossCheckReport,
  type FromWorker,
  type TensorMap,
  type ToWorker,
  transferables,
} from './protocol.ts'

export type PoolMode = 'thread' | 'process'

interface Pending {
  resolve: (outputs: TensorMap | undefined) => void
  reject: (err: Error) => void
}

export interface WorkerSlot {
  index: number
  /** Resolves once the worker's backend is ready; rejects if it fails to start or exits first. */
  ready: Promise<{ backend: string; reason: string }>
  /** Sends `msg` once the worker is ready and resolves with its answer (outputs for a run). */
  call(msg: ToWorker): Promise<TensorMap | undefined>
  kill(): void
  /** Calls sent and not answered yet. */
  readonly waiting: number
  /** Takes jobs: started and holding every live servable. */
  live: boolean
  /** Runs handed to this worker and not answered yet. */
  runs: number
  /** Its heap passed the bound: a replacement is on its way; killed once idle after the swap. */
  retiring: boolean
  /** WebAssembly heap it last reported (0 before its first run or on other backends). */
  heapBytes: number
}

export interface WorkerSlotEvents {
  onHeapBytes(slot: WorkerSlot, bytes: number): void
  onCrossCheck(report: CrossCheckReport): void
  /** After its start and every waiting call have failed; `wasLive`: it was taking jobs. */
  onExit(slot: WorkerSlot, wasLive: boolean): void
  /** After it answered its last waiting call (a run, load or unload). */
  onIdle(slot: WorkerSlot): void
}

const ENTRY = new URL('./worker-entry.ts', import.meta.url)

/** Starts worker `index` in a thread or a child process (env: extra variables for it). */
export const spawnWorkerSlot = (
  index: number,
  mode: PoolMode,
  env: Record<string, string | undefined> | undefined,
  events: WorkerSlotEvents,
): WorkerSlot => {
  const pending = new Map<number, Pending>()
  let onReady: (v: { backend: string; reason: string }) => void = () => {}
  let onFail: (e: Error) => void = () => {}
  const ready = new Promise<{ backend: string; reason: string }>((res, rej) => {
    onReady = res
    onFail = rej
  })
  const onMessage = (msg: FromWorker) => {
    if (msg.type === 'ready') onReady({ backend: msg.backend, reason: msg.reason })
    else if (msg.type === 'fatal') onFail(new Error(`inference worker ${index}: ${msg.message}`))
    else {
      if (msg.heapBytes !== undefined) events.onHeapBytes(slot, msg.heapBytes)
      const p = pending.get(msg.id)
      if (!p) return
      pending.delete(msg.id)
      if (msg.type === 'done') {
        if (msg.crossCheck) events.onCrossCheck(msg.crossCheck)
        p.resolve(msg.outputs)
      } else p.reject(new InferenceError(msg.message))
      if (pending.size === 0) events.onIdle(slot)
    }
  }
  const { post, kill, exited } = startWorker(mode, { ...process.env, ...env }, onMessage)
  const slot: WorkerSlot = {
    index,
    ready,
    call: caller(ready, pending, post),
    kill,
    get waiting() {
      return pending.size
    },
    live: false,
    runs: 0,
    retiring: false,
    heapBytes: 0,
  }
  void exited.then(() => {
    const wasLive = slot.live
    slot.live = false
    const err = new InferenceError(`inference worker ${index} exited`, true)
    onFail(err)
    for (const p of pending.values()) p.reject(err)
    pending.clear()
    events.onExit(slot, wasLive)
  })
  return slot
}

/** Numbers each call and keeps it in `pending` until the worker answers it. */
const caller = (
  ready: Promise<unknown>,
  pending: Map<number, Pending>,
  post: (m: ToWorker) => void,
) => {
  let nextId = 1
  // Waits for the worker's start-up: it only listens for messages once its backend is ready.
  return async (msg: ToWorker): Promise<TensorMap | undefined> => {
    await ready
    const id = nextId++
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject })
      try {
        post({ ...msg, id })
      } catch (err) {
        pending.delete(id)
        reject(err as Error)
      }
    })
  }
}

const startWorker = (
  mode: PoolMode,
  env: Record<string, string | undefined>,
  onMessage: (msg: FromWorker) => void,
) => {
  if (mode === 'thread') {
    const worker = new Worker(ENTRY, { env } as WorkerOptions)
    worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data)
    return {
      // Input buffers are handed over, not copied: the request no longer needs them.
      post: (msg: ToWorker) =>
        worker.postMessage(msg, msg.type === 'run' ? transferables(msg.inputs) : []),
      kill: () => worker.terminate(),
      exited: new Promise((res) => worker.addEventListener('close', res)),
    }
  }
  const child = Bun.spawn(['bun', Bun.fileURLToPath(ENTRY)], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
    serialization: 'advanced',
    ipc: (msg) => onMessage(msg as FromWorker),
  })
  return {
    post: (msg: ToWorker) => child.send(msg),
    kill: () => child.kill(),
    exited: child.exited as Promise<unknown>,
  }
}
