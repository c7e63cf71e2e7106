// A pool of inference workers, each with its own TensorFlow.js backend and its own copy of every
// loaded servable. Threads (Bun Workers, the default) take tensors by transfer and measured
// faster here (see README, bench); child processes keep a native crash to one worker. HTTP
// never runs on them.
import type { Logger } from '@tweetbot/common/log'
import {
  type FromWorker,
  type ServableForWorker,
  type TensorMap,
  type ToWorker,
  transferables,
} from './protocol.ts'

export type PoolMode = 'thread' | 'process'

export interface PoolOptions {
  size: number
  mode: PoolMode
  logger: Logger
  /** Extra env for the workers (e.g. TFJS_BACKEND). */
  env?: Record<string, string | undefined>
}

interface Pending {
  resolve: (outputs: TensorMap | undefined) => void
  reject: (err: Error) => void
}

interface Slot {
  index: number
  post: (msg: ToWorker) => void
  kill: () => void
  pending: Map<number, Pending>
  ready: Promise<{ backend: string; reason: string }>
  /** Takes jobs: started and holding every live servable. */
  live: boolean
}

const ENTRY = new URL('./worker-entry.ts', import.meta.url)
const RESTART_WAIT_MS = 30_000
// A worker that dies before taking jobs (its start or reload failed) is replaced after 1 s, 2 s,
// 4 s … up to 30 s, not in a tight loop and not never: the cause (a full disk, memory) may pass.
const RESTART_BACKOFF_MS = 1_000
const RESTART_BACKOFF_MAX_MS = 30_000

export class InferenceError extends Error {
  override name = 'InferenceError'
  constructor(
    message: string,
    /** No worker could run it (one exited or is restarting), as opposed to the model failing. */
    readonly unavailable = false,
  ) {
    super(message)
  }
}

const NO_WORKER = 'no inference worker available; worker exited and restarting'

export class InferencePool {
  #slots: Slot[] = []
  #nextId = 1
  #servables = new Map<string, ServableForWorker>()
  #closed = false
  #waiters: (() => void)[] = []
  /** Delay before replacing each slot's worker again; 0 once a replacement took jobs. */
  #backoff = new Map<number, number>()
  backend = 'unknown'
  backendReason = ''

  constructor(readonly opts: PoolOptions) {
    if (opts.size < 1) throw new Error('InferencePool: size must be at least 1')
  }

  get size() {
    return this.opts.size
  }

  /** Starts every worker and resolves once all report their backend. */
  async start() {
    for (let i = 0; i < this.opts.size; i++) this.#slots.push(this.#spawn(i))
    const infos = await Promise.all(this.#slots.map((s) => s.ready))
    for (const s of this.#slots) s.live = true
    this.backend = infos[0]?.backend ?? 'unknown'
    this.backendReason = infos[0]?.reason ?? ''
    return infos[0] as { backend: string; reason: string }
  }

  #spawn(index: number): Slot {
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
        const p = pending.get(msg.id)
        if (!p) return
        pending.delete(msg.id)
        if (msg.type === 'done') p.resolve(msg.outputs)
        else p.reject(new InferenceError(msg.message))
      }
    }
    const env = { ...process.env, ...this.opts.env }
    let post: (msg: ToWorker) => void
    let kill: () => void
    let exited: Promise<unknown>
    if (this.opts.mode === 'thread') {
      const worker = new Worker(ENTRY, { env } as WorkerOptions)
      worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data)
      // Input buffers are handed over, not copied: the request no longer needs them.
      post = (msg) => worker.postMessage(msg, msg.type === 'run' ? transferables(msg.inputs) : [])
      kill = () => worker.terminate()
      exited = new Promise((res) => worker.addEventListener('close', res))
    } else {
      const child = Bun.spawn(['bun', Bun.fileURLToPath(ENTRY)], {
        env,
        stdio: ['ignore', 'inherit', 'inherit'],
        serialization: 'advanced',
        ipc: (msg) => onMessage(msg as FromWorker),
      })
      post = (msg) => child.send(msg)
      kill = () => child.kill()
      exited = child.exited
    }
    const slot: Slot = { index, post, kill, pending, ready, live: false }
    void exited.then(() => this.#onExit(slot, onFail))
    return slot
  }

  #onExit(slot: Slot, failReady: (e: Error) => void) {
    const wasLive = slot.live
    slot.live = false
    const err = new InferenceError(`inference worker ${slot.index} exited`, true)
    failReady(err)
    for (const p of slot.pending.values()) p.reject(err)
    slot.pending.clear()
    if (this.#closed) return
    const delay = wasLive
      ? 0
      : Math.min(
          RESTART_BACKOFF_MAX_MS,
          Math.max(RESTART_BACKOFF_MS, (this.#backoff.get(slot.index) ?? 0) * 2),
        )
    this.#backoff.set(slot.index, delay)
    this.opts.logger.error('inference worker exited; restarting it', {
      worker: slot.index,
      inMs: delay,
    })
    setTimeout(() => this.#restart(slot.index), delay)
  }

  /** Replaces a slot's worker and gives it every live servable before it takes jobs. */
  #restart(index: number) {
    if (this.#closed) return
    const fresh = this.#spawn(index)
    this.#slots[index] = fresh
    void fresh.ready
      .then(() =>
        Promise.all(
          [...this.#servables].map(([k, s]) =>
            this.#call(fresh, { type: 'load', id: 0, key: k, servable: s }),
          ),
        ),
      )
      .then(() => {
        fresh.live = true
        this.#backoff.set(index, 0)
        for (const wake of this.#waiters.splice(0)) wake()
        this.opts.logger.info('inference worker restarted', { worker: index })
      })
      .catch((e: unknown) => {
        // Its exit (now, or already) brings the next attempt, after the backoff.
        this.opts.logger.error('inference worker restart failed', { worker: index, err: e })
        fresh.kill()
      })
  }

  // Waits for the worker's start-up: it only listens for messages once its backend is ready.
  async #call(slot: Slot, msg: ToWorker): Promise<TensorMap | undefined> {
    await slot.ready
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject })
      try {
        slot.post({ ...msg, id })
      } catch (err) {
        slot.pending.delete(id)
        reject(err as Error)
      }
    })
  }

  /** Loads a servable into every worker; resolves when all of them can run it. */
  async load(key: string, servable: ServableForWorker) {
    await Promise.all(this.#slots.map((s) => this.#call(s, { type: 'load', id: 0, key, servable })))
    this.#servables.set(key, servable)
  }

  async unload(key: string) {
    this.#servables.delete(key)
    await Promise.all(this.#slots.map((s) => this.#call(s, { type: 'unload', id: 0, key })))
  }

  /** Runs on the least busy live worker; waits (bounded) while every worker is restarting. */
  async run(key: string, signature: string, inputs: TensorMap, outputs: string[]) {
    let best = this.#pick()
    if (!best) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new InferenceError(NO_WORKER, true)), RESTART_WAIT_MS)
        this.#waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
      best = this.#pick()
      if (!best) throw new InferenceError(NO_WORKER, true)
    }
    const out = await this.#call(best, { type: 'run', id: 0, key, signature, inputs, outputs })
    return out ?? {}
  }

  #pick(): Slot | undefined {
    let best: Slot | undefined
    for (const s of this.#slots)
      if (s.live && (!best || s.pending.size < best.pending.size)) best = s
    return best
  }

  async close() {
    this.#closed = true
    // Requests waiting for a restarting worker fail now instead of at their timeout.
    for (const wake of this.#waiters.splice(0)) wake()
    for (const s of this.#slots) s.kill()
    this.#slots = []
  }
}
