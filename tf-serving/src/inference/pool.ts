// A pool of inference workers, each with its own TensorFlow.js backend and its own copy of every
// loaded servable. Threads (Bun Workers, the default) take tensors by transfer and measured
// faster here (see README, bench); child processes keep a native crash to one worker. HTTP
// never runs on them.
//
// Runs wait in the pool's own queue and a worker is handed at most RUNS_PER_WORKER at a time, so
// a run whose caller gave up (its deadline passed: the request timed out) is dropped before any
// worker spends time on it. A worker whose WebAssembly heap grew past `maxHeapBytes` (it never
// shrinks) is replaced by a fresh one, loaded with every servable, and retired once idle.
import { backoffMs } from '@tweetbot/common/backoff'
import type { Logger } from '@tweetbot/common/log'
import type { Deadline } from './deadline.ts'
import { InferenceError } from './inference-error.ts'
import type { CrossCheckReport, ServableForWorker, TensorMap, ToWorker } from './protocol.ts'
import { type PoolMode, spawnWorkerSlot, type WorkerSlot } from './worker-slot.ts'

export type { PoolMode }

export interface PoolOptions {
  size: number
  mode: PoolMode
  logger: Logger
  /** Extra env for the workers (e.g. TFJS_BACKEND). */
  env?: Record<string, string | undefined>
  /** Replace a worker whose WebAssembly heap grew past this many bytes; 0 or unset: never. */
  maxHeapBytes?: number
  /** Each native-vs-WebAssembly cross-check a worker ran at a model load. */
  onCrossCheck?: (report: CrossCheckReport) => void
}

interface QueuedRun {
  msg: Extract<ToWorker, { type: 'run' }>
  resolve: (outputs: TensorMap) => void
  reject: (err: Error) => void
  deadline: Deadline | undefined
}

const RESTART_WAIT_MS = 30_000
// A worker that dies before taking jobs (its start or reload failed) is replaced after 1 s, 2 s,
// 4 s … up to 30 s, not in a tight loop and not never: the cause (a full disk, memory) may pass.
const RESTART_BACKOFF_MS = 1_000
const RESTART_BACKOFF_MAX_MS = 30_000

const NO_WORKER = 'no inference worker available; worker exited and restarting'
// Two runs per worker keep it busy across the message round trip; more would only commit runs
// to a worker that a timeout could otherwise still drop from the pool's queue.
const RUNS_PER_WORKER = 2

export class InferencePool {
  #slots: WorkerSlot[] = []
  #servables = new Map<string, ServableForWorker>()
  #closed = false
  #waiters: (() => void)[] = []
  #queue: QueuedRun[] = []
  /** Failed starts in a row per slot; reset by the exit of a worker that took jobs (`wasLive`). */
  #failedStarts = new Map<number, number>()
  backend = 'unknown'
  backendReason = ''
  /** The last cross-check that was not ok (or the last one), for /readyz. */
  crossCheck: CrossCheckReport | undefined
  /** The native backend failed a cross-check; workers serve with WebAssembly. */
  fellBack = false

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
    // A servable loaded while they started goes in before they take runs.
    await Promise.all(
      this.#slots.map((s) =>
        this.#loadAll(s, () => {
          s.live = true
        }),
      ),
    )
    this.backend = infos[0]?.backend ?? 'unknown'
    this.backendReason = infos[0]?.reason ?? ''
    return infos[0] as { backend: string; reason: string }
  }

  #onCrossCheck(report: CrossCheckReport) {
    this.opts.onCrossCheck?.(report)
    if (report.outcome === 'ok' || report.outcome === 'skipped') {
      if (!this.fellBack) this.crossCheck = report
      return
    }
    this.crossCheck = report
    if (this.fellBack) return
    this.fellBack = true
    this.backendReason = `native backend failed its cross-check (${report.outcome}) on ${report.model}: ${report.detail}`
    this.backend = report.backend
    // One line, once: every worker checks every load, and all of them fall back the same way.
    this.opts.logger.error(`serving with WebAssembly: ${this.backendReason}`)
  }

  #spawn(index: number): WorkerSlot {
    return spawnWorkerSlot(index, this.opts.mode, this.opts.env, {
      onHeapBytes: (slot, bytes) => this.#checkHeap(slot, bytes),
      onCrossCheck: (report) => this.#onCrossCheck(report),
      onExit: (slot, wasLive) => this.#onExit(slot, wasLive),
      onIdle: (slot) => this.#killIfRetired(slot),
    })
  }

  /**
   * Ends a worker taken out of service after its heap passed the bound, once it has no call
   * left to answer: a load or unload sent before the swap counts as much as a run.
   */
  #killIfRetired(slot: WorkerSlot) {
    if (!slot.retiring || slot.live || slot.waiting > 0) return
    slot.kill()
    this.opts.logger.info('inference worker retired', { worker: slot.index })
  }

  /** After the slot has failed its start and its pending calls. */
  #onExit(slot: WorkerSlot, wasLive: boolean) {
    // A retired worker, or a replacement that never took over: its slot is someone else's now.
    if (this.#closed || this.#slots[slot.index] !== slot) return
    // Failed starts in a row of this slot: 1 s, 2 s, 4 s … up to 30 s; a live worker's death: now.
    const failedStarts = wasLive ? 0 : (this.#failedStarts.get(slot.index) ?? 0) + 1
    this.#failedStarts.set(slot.index, failedStarts)
    const delay = wasLive
      ? 0
      : backoffMs(failedStarts, RESTART_BACKOFF_MS, RESTART_BACKOFF_MAX_MS, 0)
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
    void this.#loadAll(fresh, () => {
      fresh.live = true
      for (const wake of this.#waiters.splice(0)) wake()
      this.#dispatch()
      this.opts.logger.info('inference worker restarted', { worker: index })
    }).catch((e: unknown) => {
      // Its exit (now, or already) brings the next attempt, after the backoff.
      this.opts.logger.error('inference worker restart failed', { worker: index, err: e })
      fresh.kill()
    })
  }

  /**
   * Loads every servable into a new worker, including any registered meanwhile, and calls
   * `goLive` in the same turn as the check that found none missing: load() registers a servable
   * before it sends it to the live workers, so a worker either takes it here or is live by then.
   */
  async #loadAll(slot: WorkerSlot, goLive: () => void) {
    await slot.ready
    const done = new Map<string, ServableForWorker>()
    for (;;) {
      const missing = [...this.#servables].filter(([key, s]) => done.get(key) !== s)
      if (missing.length === 0) break
      await Promise.all(
        missing.map(([key, servable]) =>
          slot.call({ type: 'load', id: 0, key, servable }).then(() => done.set(key, servable)),
        ),
      )
    }
    goLive()
    // Unloaded while this worker came up (unload() only reaches live workers).
    for (const key of done.keys())
      if (!this.#servables.has(key)) void slot.call({ type: 'unload', id: 0, key }).catch(() => {})
  }

  #checkHeap(slot: WorkerSlot, heapBytes: number) {
    slot.heapBytes = heapBytes
    const max = this.opts.maxHeapBytes ?? 0
    if (max > 0 && heapBytes > max && !slot.retiring && slot.live && !this.#closed)
      this.#recycle(slot, heapBytes)
  }

  /**
   * Replaces a worker whose heap grew past the bound: the old one keeps serving while the new
   * one starts and loads every servable, then takes no more runs and is killed once idle.
   */
  #recycle(old: WorkerSlot, heapBytes: number) {
    old.retiring = true
    this.opts.logger.info('inference worker heap past its bound; replacing it', {
      worker: old.index,
      heapBytes,
      maxHeapBytes: this.opts.maxHeapBytes,
    })
    const fresh = this.#spawn(old.index)
    void this.#loadAll(fresh, () => {
      if (this.#closed || this.#slots[old.index] !== old) return fresh.kill()
      fresh.live = true
      this.#slots[old.index] = fresh
      old.live = false
      this.#killIfRetired(old)
      this.#dispatch()
      this.opts.logger.info('inference worker replaced', { worker: old.index })
    }).catch((err: unknown) => {
      // The old worker keeps serving; its next answer over the bound tries again.
      this.opts.logger.error('inference worker replacement failed', { worker: old.index, err })
      fresh.kill()
      old.retiring = false
    })
  }

  /**
   * Loads a servable into every live worker; resolves when all of them can run it. A worker
   * coming up (restarted, or replacing one past its heap bound) takes it before it goes live.
   */
  async load(key: string, servable: ServableForWorker) {
    const before = this.#servables.get(key)
    this.#servables.set(key, servable)
    try {
      await Promise.all(
        this.#liveSlots().map((s) => s.call({ type: 'load', id: 0, key, servable })),
      )
    } catch (err) {
      if (this.#servables.get(key) === servable) {
        if (before) this.#servables.set(key, before)
        else this.#servables.delete(key)
      }
      throw err
    }
  }

  async unload(key: string) {
    this.#servables.delete(key)
    await Promise.all(this.#liveSlots().map((s) => s.call({ type: 'unload', id: 0, key })))
  }

  // A retiring worker is still live (it serves until its replacement is), and gets loads too.
  #liveSlots = () => this.#slots.filter((s) => s.live)

  /**
   * Runs on the least busy live worker; waits (bounded) while every worker is restarting. A run
   * still queued when its `deadline` passes is dropped and rejects with DEADLINE_EXCEEDED.
   */
  async run(
    key: string,
    signature: string,
    inputs: TensorMap,
    outputs: string[],
    deadline?: Deadline,
  ): Promise<TensorMap> {
    if (!this.#slots.some((s) => s.live)) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new InferenceError(NO_WORKER, true)), RESTART_WAIT_MS)
        this.#waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
      if (!this.#slots.some((s) => s.live)) throw new InferenceError(NO_WORKER, true)
    }
    const msg = { type: 'run', id: 0, key, signature, inputs, outputs } as const
    return new Promise<TensorMap>((resolve, reject) => {
      this.#queue.push({ msg, resolve, reject, deadline })
      this.#dispatch()
    })
  }

  /** Hands queued runs to live workers with room, least busy first. */
  #dispatch() {
    this.#dropExpired()
    while (this.#queue.length > 0) {
      const slot = this.#pick()
      if (!slot) return
      const job = this.#queue.shift() as QueuedRun
      if (job.deadline?.passed) {
        job.reject(job.deadline.error())
        continue
      }
      slot.runs++
      slot
        .call(job.msg)
        .then((out) => job.resolve(out ?? {}), job.reject)
        .finally(() => {
          slot.runs--
          this.#dispatch()
        })
    }
  }

  /** Answers every queued run whose deadline passed (504) and forgets it. */
  #dropExpired() {
    if (!this.#queue.some((j) => j.deadline?.passed)) return
    this.#queue = this.#queue.filter((job) => {
      if (!job.deadline?.passed) return true
      job.reject(job.deadline.error())
      return false
    })
  }

  #pick(): WorkerSlot | undefined {
    let best: WorkerSlot | undefined
    for (const s of this.#slots)
      if (s.live && s.runs < RUNS_PER_WORKER && (!best || s.runs < best.runs)) best = s
    return best
  }

  /** Each worker slot's last reported WebAssembly heap, in bytes. */
  get workerHeapBytes(): number[] {
    return this.#slots.map((s) => s.heapBytes)
  }

  /** Runs waiting for a worker (not yet handed to one). */
  get queuedRuns() {
    return this.#queue.length
  }

  async close() {
    this.#closed = true
    // Requests waiting for a restarting worker fail now instead of at their timeout.
    for (const wake of this.#waiters.splice(0)) wake()
    for (const job of this.#queue.splice(0))
      job.reject(new InferenceError('inference pool closed', true))
    for (const s of this.#slots) s.kill()
    this.#slots = []
  }
}
