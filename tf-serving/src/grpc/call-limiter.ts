// The --grpc_max_threads bound: at most `limit` calls run at once, the rest wait in order. A call
// that is cancelled or past its deadline when its turn comes is dropped without running (grpc-js
// answers CANCELLED / DEADLINE_EXCEEDED itself).

const gone = (call: WatchedCall) => call.cancelled || Number(call.getDeadline()) <= Date.now()

/** The part of a grpc-js server call the limiter watches. */
export interface WatchedCall {
  readonly cancelled: boolean
  /** grpc-js: a Date or ms timestamp; Infinity when the client set no deadline. */
  getDeadline(): Date | number
  once(event: 'cancelled', listener: () => void): unknown
  removeListener(event: 'cancelled', listener: () => void): unknown
}

export class CallLimiter {
  #running = 0
  #waiting: (() => void)[] = []

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error('CallLimiter: limit must be >= 1')
  }

  get running() {
    return this.#running
  }
  get waiting() {
    return this.#waiting.length
  }

  /** Resolves to a release function once the call may run; to undefined if it went away. */
  acquire(call: WatchedCall): Promise<(() => void) | undefined> {
    if (gone(call)) return Promise.resolve(undefined)
    if (this.#running < this.limit) return Promise.resolve(this.#take())
    return new Promise((resolve) => {
      const start = () => {
        call.removeListener('cancelled', drop)
        if (!gone(call)) return resolve(this.#take())
        this.#next()
        resolve(undefined)
      }
      const drop = () => {
        const i = this.#waiting.indexOf(start)
        if (i >= 0) this.#waiting.splice(i, 1)
        resolve(undefined)
      }
      call.once('cancelled', drop)
      this.#waiting.push(start)
    })
  }

  #take() {
    this.#running++
    let released = false
    return () => {
      if (released) return
      released = true
      this.#running--
      this.#next()
    }
  }

  #next() {
    if (this.#running < this.limit) this.#waiting.shift()?.()
  }
}
