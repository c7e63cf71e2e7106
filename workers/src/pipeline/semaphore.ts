/** A counting semaphore: at most `limit` holders; waiters are served first come, first served. */
export interface Semaphore {
  run<T>(fn: () => Promise<T>): Promise<T>
  readonly active: number
  readonly waiting: number
}

export const createSemaphore = (limit: number): Semaphore => {
  if (!Number.isInteger(limit) || limit < 1) throw new Error('semaphore limit must be >= 1')
  let active = 0
  const queue: (() => void)[] = []
  const release = () => {
    const next = queue.shift()
    if (next) next()
    else active--
  }
  return {
    run: async (fn) => {
      if (active < limit) active++
      // The releasing holder hands its slot straight to the next waiter (active stays the same).
      else await new Promise<void>((resolve) => queue.push(resolve))
      try {
        return await fn()
      } finally {
        release()
      }
    },
    get active() {
      return active
    },
    get waiting() {
      return queue.length
    },
  }
}
