// When a request stops waiting for its model run. Queues (the pool's, the batcher's) check it
// each time they hand out work and drop a run whose deadline passed: this does not depend on a
// timer firing, which under load in Bun is not reliable (a flood of worker messages starved the
// per-request timers in our measurements; see the README).
import { ServingError } from '../rest/errors.ts'

export class Deadline {
  constructor(
    /** performance.now() at which the caller gives up. */
    readonly at: number,
  ) {}

  static in(ms: number) {
    return new Deadline(performance.now() + ms)
  }

  get passed() {
    return performance.now() >= this.at
  }

  /** TF Serving's answer for a run past its deadline (504). */
  error() {
    return new ServingError('DEADLINE_EXCEEDED', 'Deadline Exceeded')
  }
}
