// GET /v1/models/{m}[/versions/{v}|/labels/{l}] → GetModelStatusResponse as JSON.
// @see https://github.com/tensorflow/serving/blob/master/tensorflow_serving/g3doc/api_rest.md#model-status-api
import type { AppDeps } from './deps.ts'
import type { ModelPath } from './model-path.ts'

export const modelStatus = (deps: AppDeps, p: ModelPath): string => {
  // A /labels/<label> segment is not resolved for status: the label only fills the request's
  // version_label, which GetModelStatus never reads, so every version is listed and an unknown
  // label is no error (get_model_status_impl.cc:76-108).
  const versions = deps.manager.status(p.model, p.version)
  const body = {
    model_version_status: versions.map((s) => ({
      version: String(s.version),
      state: s.state,
      status: { error_code: s.error ? 'UNKNOWN' : 'OK', error_message: s.error ?? '' },
    })),
  }
  return JSON.stringify(body, null, 1)
}
