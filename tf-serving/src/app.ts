// The tf-serving HTTP app: TF Serving's REST API under /v1, its Prometheus path, and the
// health/readiness/metrics endpoints every tf-tweetbot service has. Pure wiring: everything
// stateful (models, inference pool, batcher) comes in through `deps`.
// @see https://github.com/tensorflow/serving/blob/master/tensorflow_serving/g3doc/api_rest.md
import { metricsResponse } from '@tweetbot/common/metrics'
import { type Context, Hono, type MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { metricModelLabel } from './metric-labels.ts'
import { asServingError, invalidArgument, type ServingError } from './rest/errors.ts'
import {
  parseJsonBody,
  parseJsonBodyExact,
  parseJsonBodyExactIfDifferent,
} from './rest/json-parse.ts'
import { CORS_ORIGIN_MISSING, malformedRequest } from './rest/messages.ts'
import { errorJson } from './rest/pretty-json.ts'
import { scanPredictBody } from './rest/scan-predict.ts'
import { classifyOrRegress } from './routes/classify-regress.ts'
import type { AppDeps } from './routes/deps.ts'
import { modelMetadata } from './routes/model-metadata.ts'
import { isRestApiPath, type ModelPath, parseModelPath } from './routes/model-path.ts'
import { modelStatus } from './routes/model-status.ts'
import { predict } from './routes/predict.ts'

const JSON_HEADERS = { 'content-type': 'application/json' }
const utf8 = new TextDecoder()

const jsonError = (status: number, message: string) =>
  new Response(errorJson(message), { status, headers: JSON_HEADERS })

/** Added to every REST answer with --rest_api_enable_cors_support (http_rest_api_util.cc:40-44). */
const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, GET',
  'access-control-allow-headers': 'Content-Type',
}
const REST_METHODS = new Set(['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'])

const notFoundResponse = (c: Context) => jsonError(404, `Not found: ${c.req.method} ${c.req.path}`)

const toServingError = (err: unknown, deps: AppDeps): ServingError =>
  asServingError(err, (e) => deps.logger.error('unhandled error', { err: e }))

/**
 * The body limit on every path the REST handler answers. It matches /v1 case-insensitively (as
 * TF Serving does), so the limit must too: a `/V1/…` body must not skip it.
 */
const v1BodyLimit = (maxBytes: number): MiddlewareHandler => {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => jsonError(413, `Request body is larger than the limit of ${maxBytes} bytes`),
  })
  return async function v1BodyLimit(c, next) {
    if (isRestApiPath(c.req.path)) return limit(c, next)
    await next()
  }
}

export const createApp = (deps: AppDeps) => {
  const app = new Hono()
  // Every REST answer's headers, fixed at start-up: a preflight's (no content type), the others'.
  const preflightHeaders = deps.enableCors ? CORS_HEADERS : {}
  const restHeaders = { ...preflightHeaders, ...JSON_HEADERS }

  /** TF Serving's REST handler: every method reaches it (http_server.cc:140-203). */
  const handleRest = async (
    httpMethod: string,
    pathAndQuery: string,
    origin: string | undefined,
    rawBody: () => Promise<ArrayBuffer>,
  ): Promise<Response> => {
    if (httpMethod === 'OPTIONS') {
      // A CORS preflight: 200 with an http(s) Origin, else FAILED_PRECONDITION (400); both with
      // an empty body and no content type (http_server.cc:170-177).
      const ok = /https?:\/\//.test(origin ?? '')
      if (!ok) deps.logger.debug(CORS_ORIGIN_MISSING, { path: pathAndQuery })
      return new Response(null, { status: ok ? 200 : 400, headers: preflightHeaders })
    }
    const started = performance.now()
    let parsed: ModelPath | undefined
    let status = 200
    try {
      // The body is read for every method, as net_http does, then parsed only by POST handlers.
      const bytes = new Uint8Array(await rawBody())
      parsed = parseModelPath(httpMethod, pathAndQuery)
      if (!parsed) throw invalidArgument(malformedRequest(httpMethod, pathAndQuery))
      let body: string
      if (parsed.method === 'status') body = modelStatus(deps, parsed)
      else if (parsed.method === 'metadata') body = modelMetadata(deps, parsed)
      else if (parsed.method === 'predict') {
        // An image body is read straight into a Float32Array; anything else is parsed here,
        // before the model lookup, so a bad body is a 400 even for an unknown model.
        const scanned = scanPredictBody(bytes)
        let text: string | undefined
        const bodyText = () => (text ??= utf8.decode(bytes))
        const json = scanned ? undefined : parseJsonBody(bodyText())
        body = await predict(deps, parsed, {
          scanned,
          json: () => json ?? parseJsonBody(bodyText()),
          exact: () => parseJsonBodyExactIfDifferent(bodyText()),
        })
      } else {
        const json = parseJsonBodyExact(utf8.decode(bytes))
        body = await classifyOrRegress(deps, parsed, json, parsed.method)
      }
      return new Response(body, { headers: restHeaders })
    } catch (err) {
      const e = toServingError(err, deps)
      status = e.httpStatus
      return new Response(errorJson(e.message), { status, headers: restHeaders })
    } finally {
      const model = metricModelLabel(parsed?.model, deps.manager)
      const labels = {
        model,
        method: parsed?.method ?? 'unknown',
        status: String(status),
      }
      deps.metrics.requests.inc(labels)
      deps.metrics.latency.observe(labels, (performance.now() - started) / 1000)
      deps.metrics.tfRequestCount.inc({
        model_name: model,
        status: status === 200 ? 'OK' : 'ERROR',
      })
    }
  }

  app.use('*', v1BodyLimit(deps.maxBodyBytes))

  /** Requests TF Serving's dispatcher gives the REST handler; anything else is not ours. */
  const rest = (c: Context) => {
    const url = c.req.url
    const pathAndQuery = url.slice(url.indexOf('/', url.indexOf('//') + 2))
    if (!isRestApiPath(pathAndQuery)) return undefined
    // libevent lets these methods through (evhttp_server.cc:114-117); it refuses the rest itself.
    if (!REST_METHODS.has(c.req.method)) return new Response(null, { status: 501 })
    return handleRest(c.req.method, pathAndQuery, c.req.header('origin'), () => c.req.arrayBuffer())
  }

  app.all('/v1/*', (c) => rest(c) ?? notFoundResponse(c))

  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/readyz', (c) => {
    const info = deps.info()
    const models = deps.manager.summary()
    const ready = models.length > 0 && models.every((m) => m.available.length > 0)
    return c.json({ status: ready ? 'ready' : 'not ready', ...info, models }, ready ? 200 : 503)
  })
  app.get('/metrics', () => metricsResponse(deps.registry))
  app.get('/monitoring/prometheus/metrics', () => metricsResponse(deps.registry))

  // TF Serving matches /v1 case-insensitively (/V1/Models/m:predict works); Hono's router does not.
  app.notFound((c) => rest(c) ?? notFoundResponse(c))
  app.onError((err) => {
    const e = toServingError(err, deps)
    return jsonError(e.httpStatus, e.message)
  })
  return app
}
