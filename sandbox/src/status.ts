import type { QueueDepths, QueueName } from '@tweetbot/common/queue'

export interface WorkerStatus {
  url: string
  ready: boolean
  /** From the worker's /readyz; undefined when it did not answer. */
  loadTestingMode?: boolean
}

export interface ModelStatus {
  name: string
  /** Versions and their TF Serving state (AVAILABLE, LOADING, …); empty when tf-serving is down. */
  versions: { version: string; state: string }[]
  error?: string
}

export interface StackStatus {
  at: number
  queues?: Record<QueueName, QueueDepths>
  queueError?: string
  workers: WorkerStatus[]
  model: ModelStatus
}

const TIMEOUT_MS = 1_500

const message = (err: unknown) => (err instanceof Error ? err.message : String(err))

/** Where tf-serving reports a model's status, from the predict URL the workers use. */
export const modelStatusUrl = (predictUrl: string) => {
  const url = new URL(predictUrl)
  url.pathname = url.pathname.replace(/:predict$/, '').replace(/\/versions\/\d+$/, '')
  return url
}

const workerStatus = async (url: string): Promise<WorkerStatus> => {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(TIMEOUT_MS) })
    const body = (await res.json()) as { ready?: boolean; loadTestingMode?: boolean }
    return { url, ready: res.ok && body.ready === true, loadTestingMode: body.loadTestingMode }
  } catch {
    return { url, ready: false }
  }
}

const modelStatus = async (predictUrl: string): Promise<ModelStatus> => {
  const url = modelStatusUrl(predictUrl)
  const name = decodeURIComponent(url.pathname.split('/').pop() ?? '')
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) })
    if (!res.ok) return { name, versions: [], error: `tf-serving answered ${res.status}` }
    const body = (await res.json()) as {
      model_version_status?: { version: string; state: string }[]
    }
    return {
      name,
      versions: (body.model_version_status ?? []).map((v) => ({
        version: v.version,
        state: v.state,
      })),
    }
  } catch (err) {
    return { name, versions: [], error: `tf-serving did not answer: ${message(err)}` }
  }
}

/** Queue depths, worker readiness and the model's versions, read from the running stack. */
export const readStackStatus = async (deps: {
  queueStats: () => Promise<Record<QueueName, QueueDepths>>
  workerUrls: readonly string[]
  predictUrl: string
}): Promise<StackStatus> => {
  const [queues, workers, model] = await Promise.all([
    deps.queueStats().then(
      (q) => ({ q, err: undefined }),
      (err: unknown) => ({ q: undefined, err: message(err) }),
    ),
    Promise.all(deps.workerUrls.map(workerStatus)),
    modelStatus(deps.predictUrl),
  ])
  return { at: Date.now(), queues: queues.q, queueError: queues.err, workers, model }
}
