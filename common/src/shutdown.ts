import type { Logger } from './log.ts'

export interface ShutdownStep {
  name: string
  /** Stops this part; it may take up to the grace period. */
  run: () => Promise<void> | void
}

export interface ShutdownOptions {
  logger: Logger
  graceMs?: number
  signals?: NodeJS.Signals[]
  exit?: (code: number) => void
}

/**
 * Turns SIGTERM/SIGINT into an orderly stop: steps run in order (stop taking work first, close
 * connections last); every step runs even when an earlier one throws; past the grace period
 * the process exits 1 so an orchestrator never waits forever.
 */
export const installShutdown = (steps: ShutdownStep[], opts: ShutdownOptions) => {
  const graceMs = opts.graceMs ?? 25_000
  const exit = opts.exit ?? ((code: number) => process.exit(code))
  let stopping: Promise<void> | undefined
  const stop = (reason: string) => {
    stopping ??= (async () => {
      opts.logger.info('shutting down', { reason, graceMs })
      const timer = setTimeout(() => {
        opts.logger.error('shutdown grace period exceeded; exiting', { graceMs })
        exit(1)
      }, graceMs)
      timer.unref?.()
      let failed = false
      for (const step of steps) {
        try {
          await step.run()
        } catch (err) {
          failed = true
          opts.logger.error('shutdown step failed', { step: step.name, err })
        }
      }
      clearTimeout(timer)
      opts.logger.info('stopped')
      exit(failed ? 1 : 0)
    })()
    return stopping
  }
  for (const signal of opts.signals ?? ['SIGTERM', 'SIGINT'])
    process.on(signal, () => void stop(signal))
  return { stop }
}
