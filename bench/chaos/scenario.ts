// What a chaos scenario is: the shape every scenario module fills (scenarios.ts lists them).
import type { Stack } from '@tweetbot/testing/stack'
import type { ChaosConfig } from './config.ts'
import type { ChaosMediaServer } from './media-server.ts'
import type { XFaults } from './x-faults.ts'

/** What a scenario can touch while traffic flows. */
export interface ScenarioContext {
  stack: Stack
  media: ChaosMediaServer
  x: XFaults
  cfg: ChaosConfig
  /** Which photo event `n` gets: 'ok', or 'half-missing' (odd events point at a 404). */
  mediaMode: 'ok' | 'half-missing'
  log(msg: string): void
}

export interface Check {
  name: string
  ok: boolean
  detail?: string
}

/** When the fault was on, and what the scenario saw besides the event counts. */
export interface FaultWindow {
  startAt: number
  endAt: number
  notes: string[]
  checks: Check[]
  /** Burial with a matching reason is correct in this run (see `AccountingInput`). */
  expectedBuryReason?: RegExp
}

export interface Scenario {
  id: number
  name: string
  title: string
  /** The configured timeout recovery is held to (the target is 2× it), and what it is. */
  governing(cfg: ChaosConfig): { ms: number; what: string }
  /** Burial is a correct outcome only for events made to fail, unless this says otherwise. */
  inject(ctx: ScenarioContext): Promise<FaultWindow>
  /** Checks that need the final data (e.g. the fake X's requests). */
  after?(ctx: ScenarioContext, startAt: number, endAt: number): Check[]
}

/** `governing` for recovery held to one timeout setting: "<SETTING> <n> s", then why, if said. */
export const governedBy = (setting: string, ms: number, why?: string) => ({
  ms,
  what: `${setting} ${ms / 1000} s${why ? ` (${why})` : ''}`,
})
