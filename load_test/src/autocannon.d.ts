// The part of autocannon 9's API the fallback attack uses (the package ships no types).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  interface Request {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string | Buffer
    setupRequest?: (req: Record<string, unknown>, context: Record<string, unknown>) => unknown
  }

  interface Options {
    url: string
    connections?: number
    amount?: number
    duration?: number
    overallRate?: number
    timeout?: number
    requests?: Request[]
  }

  interface Instance extends EventEmitter {
    stop(): void
  }

  function autocannon(opts: Options): Instance
  export default autocannon
}
