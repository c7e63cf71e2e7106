import { ModelServerError, modelServerError } from '../errors.ts'
import { encodePredictBody, type InputScale } from './encode-instances.ts'
import { extractScores } from './extract-scores.ts'
import { type ModelInput, metadataUrlFor, parseModelMetadata } from './parse-metadata.ts'

export interface ModelClientOptions {
  /** Full predict URL, e.g. `http://127.0.0.1:8501/v1/models/default:predict`. */
  predictUrl: string
  timeoutMs: number
  scale: InputScale
  signature?: string
  fetch?: typeof fetch
}

export interface ModelClient {
  /** `GET …/metadata` → the input the model expects. */
  metadata(signal?: AbortSignal): Promise<ModelInput>
  /** `POST …:predict` with one image (raw interleaved pixels of `input`'s size) → class scores. */
  predict(pixels: Uint8Array, input: ModelInput, signal?: AbortSignal): Promise<number[]>
}

/** A thin client for TF Serving's REST API (tf-serving here, or the real tensorflow/serving). */
export const createModelClient = (opts: ModelClientOptions): ModelClient => {
  const doFetch = opts.fetch ?? fetch
  const metadataUrl = metadataUrlFor(opts.predictUrl)
  // Request bodies are ~1.3 MB each: reusing them (at most one per concurrent predict) keeps a
  // busy worker's memory flat instead of leaving a megabyte of garbage per job for the
  // collector (measured with 16 in flight: external memory swinging 6–73 MB → flat ~50 MB).
  const spare: Uint8Array<ArrayBuffer>[] = []
  const call = async (url: string, init: RequestInit, signal?: AbortSignal) => {
    const timeout = AbortSignal.timeout(opts.timeoutMs)
    let res: Response
    try {
      res = await doFetch(url, {
        ...init,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      })
    } catch (err) {
      throw new ModelServerError(0, `no answer from ${url}: ${(err as Error).message}`, {
        cause: err,
      })
    }
    const text = await res.text().catch(() => '')
    if (!res.ok) throw modelServerError(res.status, text)
    try {
      return JSON.parse(text) as unknown
    } catch (err) {
      throw new ModelServerError(res.status, `answer is not JSON: ${text}`, { cause: err })
    }
  }
  return {
    metadata: async (signal) =>
      parseModelMetadata(await call(metadataUrl, { method: 'GET' }, signal), opts.signature),
    predict: async (pixels, input, signal) => {
      const buffer = spare.pop()
      const body = encodePredictBody(pixels, input, opts.scale, buffer)
      const answer = await call(
        opts.predictUrl,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body },
        signal,
      )
      // The answer is in, so the body was sent in full and its buffer is free again. After a
      // failure (an abort mid-upload) the buffer is dropped instead: nothing may still read it.
      spare.push(new Uint8Array(body.buffer))
      return extractScores(answer)
    },
  }
}
