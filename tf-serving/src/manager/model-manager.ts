// Keeps the configured models' versions loaded as their folders change: polls each base path
// every --file_system_poll_wait_seconds, loads new aspired versions into every inference worker
// and only then retires the ones they replace (TF Serving's availability-preserving policy), so
// a request never finds a model without a live version. A retiring version stays usable until
// the requests holding it finish. States follow TF Serving's ModelVersionStatus.
import type { Logger } from '@tweetbot/common/log'
import type { ModelConfig } from '../config/model-config.ts'
import type { ServableForWorker } from '../inference/protocol.ts'
import { findLoader } from '../loaders/index.ts'
import type { ModelLoader, ServableArtifacts, SignatureDef } from '../loaders/types.ts'
import { invalidArgument, notFound } from '../rest/errors.ts'
import { unrecognizedLabel } from '../rest/messages.ts'
import { ownValue } from '../rest/own.ts'
import { aspiredVersions, fingerprint, listVersionDirs } from './versions.ts'

export type VersionState = 'START' | 'LOADING' | 'AVAILABLE' | 'UNLOADING' | 'END'

/** What the manager needs from the inference pool. */
export interface ServableHost {
  load(key: string, servable: ServableForWorker): Promise<void>
  unload(key: string): Promise<void>
}

interface VersionEntry {
  version: number
  state: VersionState
  error?: string
  /** Folder fingerprint at the last failed load; retried when it changes. */
  failedFingerprint?: string
  key?: string
  format?: string
  signatures?: Record<string, SignatureDef>
  classLabels?: string[]
  refs: number
  drained?: () => void
}

interface ModelEntry {
  config: ModelConfig
  versions: Map<number, VersionEntry>
  /** Logged once until versions appear, not on every scan. */
  warnedEmpty?: boolean
}

/** A version held for the duration of one request. */
export interface ServableHandle {
  name: string
  version: number
  key: string
  signatures: Record<string, SignatureDef>
  classLabels: string[] | undefined
  release(): void
}

export interface VersionStatus {
  version: number
  state: VersionState
  error?: string
}

export interface ModelManagerOptions {
  host: ServableHost
  logger: Logger
  loaders?: readonly ModelLoader[]
  /** Seconds between scans; 0 scans once at start-up only. */
  pollSeconds: number
}

let keySeq = 0

export class ModelManager {
  #models = new Map<string, ModelEntry>()
  #timer: ReturnType<typeof setInterval> | undefined
  #polling: Promise<void> = Promise.resolve()
  #stopped = false

  constructor(readonly opts: ModelManagerOptions) {}

  /** Sets the served models; models no longer listed have all their versions retired. */
  setConfig(configs: ModelConfig[]) {
    const names = new Set(configs.map((c) => c.name))
    for (const c of configs) {
      const entry = this.#models.get(c.name)
      if (entry) entry.config = c
      else this.#models.set(c.name, { config: c, versions: new Map() })
    }
    for (const [name, entry] of this.#models)
      if (!names.has(name))
        entry.config = { ...entry.config, policy: { kind: 'specific', versions: [] } }
  }

  /** Scans now (serialised with the periodic scans); resolves when loads/unloads are done. */
  poll(): Promise<void> {
    this.#polling = this.#polling
      .then(() => this.#scanAll())
      .catch((err: unknown) => {
        this.opts.logger.error('model scan failed', { err })
      })
    return this.#polling
  }

  async start() {
    await this.poll()
    if (this.opts.pollSeconds > 0)
      this.#timer = setInterval(() => void this.poll(), this.opts.pollSeconds * 1000)
  }

  async stop() {
    this.#stopped = true
    if (this.#timer) clearInterval(this.#timer)
    await this.#polling
  }

  async #scanAll() {
    if (this.#stopped) return
    await Promise.all([...this.#models.values()].map((m) => this.#scan(m)))
  }

  async #scan(model: ModelEntry) {
    const { name, basePath, policy } = model.config
    const onDisk = await listVersionDirs(basePath)
    const aspired = new Set(aspiredVersions(onDisk.keys(), policy))
    if (onDisk.size === 0 && !model.warnedEmpty) {
      model.warnedEmpty = true
      this.opts.logger.warn('no version folders found under the base path', {
        model: name,
        basePath,
      })
    } else if (onDisk.size > 0) model.warnedEmpty = false
    // Load first: new versions become AVAILABLE before anything is retired.
    for (const v of [...aspired].sort((a, b) => b - a)) {
      const cur = model.versions.get(v)
      if (cur && (cur.state === 'AVAILABLE' || cur.state === 'LOADING')) continue
      if (cur?.state === 'UNLOADING') continue
      const dir = onDisk.get(v) as string
      if (
        cur?.failedFingerprint !== undefined &&
        cur.failedFingerprint === (await fingerprint(dir))
      )
        continue
      await this.#load(model, v, dir)
    }
    const retire: VersionEntry[] = []
    for (const entry of model.versions.values())
      if (entry.state === 'AVAILABLE' && !aspired.has(entry.version)) retire.push(entry)
    // Never retire the last available version for a replacement that failed to load.
    const stillAvailable = [...model.versions.values()].filter(
      (e) => e.state === 'AVAILABLE' && aspired.has(e.version),
    )
    // The newest one still on disk stays (map order is load order, not version order).
    const kept =
      stillAvailable.length === 0 && aspired.size > 0
        ? retire
            .filter((e) => onDisk.has(e.version))
            .reduce<VersionEntry | undefined>(
              (a, e) => (a && a.version > e.version ? a : e),
              undefined,
            )
        : undefined
    for (const entry of retire) if (entry !== kept) await this.#unload(model, entry)
    // A version that vanished from disk before it ever loaded just ends.
    for (const entry of model.versions.values())
      if (
        entry.state === 'END' &&
        entry.failedFingerprint !== undefined &&
        !onDisk.has(entry.version)
      )
        entry.failedFingerprint = undefined
  }

  async #load(model: ModelEntry, version: number, dir: string) {
    const name = model.config.name
    const entry: VersionEntry = { version, state: 'LOADING', refs: 0 }
    model.versions.set(version, entry)
    const started = performance.now()
    try {
      const loader = await findLoader(dir, this.opts.loaders)
      if (!loader) throw new Error(`no loader recognises the model format in ${dir}`)
      const servable: ServableArtifacts = await loader.load(dir)
      const key = `${name}/${version}#${++keySeq}`
      await this.opts.host.load(key, {
        kind: servable.kind,
        artifacts: servable.artifacts,
        signatures: servable.signatures,
      })
      Object.assign(entry, {
        key,
        format: servable.format,
        signatures: servable.signatures,
        classLabels: servable.classLabels,
        error: undefined,
        failedFingerprint: undefined,
      })
      entry.state = 'AVAILABLE'
      this.opts.logger.info('model version available', {
        model: name,
        version,
        format: servable.format,
        ms: Math.round(performance.now() - started),
      })
    } catch (err) {
      entry.error = (err as Error).message
      entry.failedFingerprint = await fingerprint(dir)
      entry.state = 'END'
      this.opts.logger.error('model version failed to load', { model: name, version, err })
    }
  }

  async #unload(model: ModelEntry, entry: VersionEntry) {
    entry.state = 'UNLOADING'
    if (entry.refs > 0) await new Promise<void>((resolve) => (entry.drained = resolve))
    if (entry.key) await this.opts.host.unload(entry.key).catch(() => {})
    entry.signatures = undefined
    entry.state = 'END'
    this.opts.logger.info('model version unloaded', {
      model: model.config.name,
      version: entry.version,
    })
  }

  #model(name: string, request: string): ModelEntry {
    const m = this.#models.get(name)
    if (!m) throw notFound(`Servable not found for request: ${request}`)
    return m
  }

  /** Whether `name` is a configured model (now or earlier: a removed one keeps its versions). */
  isConfigured(name: string): boolean {
    return this.#models.has(name)
  }

  /** Resolves a version label to a version number. */
  labelVersion(name: string, label: string): number {
    const labels = this.#models.get(name)?.config.labels
    const v = labels && ownValue(labels, label)
    // INVALID_ARGUMENT (400), also for an unknown model (server_core.cc:873-892).
    if (v === undefined) throw invalidArgument(unrecognizedLabel(label))
    return v
  }

  /** Takes a reference on the requested (or latest available) version; call release() after. */
  acquire(name: string, version?: number, label?: string): ServableHandle {
    const v = label !== undefined ? this.labelVersion(name, label) : version
    const request = v === undefined ? `Latest(${name})` : `Specific(${name}, ${v})`
    const model = this.#model(name, request)
    let entry: VersionEntry | undefined
    if (v === undefined) {
      for (const e of model.versions.values())
        if (e.state === 'AVAILABLE' && (!entry || e.version > entry.version)) entry = e
    } else {
      const e = model.versions.get(v)
      if (e?.state === 'AVAILABLE') entry = e
    }
    if (!entry?.key || !entry.signatures)
      throw notFound(`Servable not found for request: ${request}`)
    const held = entry
    held.refs++
    let released = false
    return {
      name,
      version: held.version,
      key: held.key as string,
      signatures: held.signatures as Record<string, SignatureDef>,
      classLabels: held.classLabels,
      release: () => {
        if (released) return
        released = true
        held.refs--
        if (held.refs === 0 && held.drained) {
          const d = held.drained
          held.drained = undefined
          d()
        }
      },
    }
  }

  /** Version states, highest version first, as GetModelStatus reports them. */
  status(name: string, version?: number): VersionStatus[] {
    const model = this.#models.get(name)
    const all = model ? [...model.versions.values()].sort((a, b) => b.version - a.version) : []
    if (version === undefined) {
      if (all.length === 0) throw notFound(`Could not find any versions of model ${name}`)
      return all.map(toStatus)
    }
    const e = model?.versions.get(version)
    if (!e) throw notFound(`Could not find version ${version} of model ${name}`)
    return [toStatus(e)]
  }

  /** For /readyz: every configured model has an available version. */
  summary() {
    return [...this.#models.values()].map((m) => ({
      name: m.config.name,
      available: [...m.versions.values()]
        .filter((e) => e.state === 'AVAILABLE')
        .map((e) => e.version),
      formats: [...new Set([...m.versions.values()].map((e) => e.format).filter(Boolean))],
    }))
  }
}

const toStatus = (e: VersionEntry): VersionStatus => ({
  version: e.version,
  state: e.state,
  ...(e.error ? { error: e.error } : {}),
})
