import type { InputScale } from './encode-instances.ts'
import { createGrpcModelClient } from './grpc-model-client.ts'
import { createModelClient, type ModelClient } from './model-client.ts'

/** TF_SERVER_URL → the REST client (`http(s)://…:predict`) or the gRPC one (`grpc://…`). */
export const connectModel = (
  url: string,
  opts: { timeoutMs: number; scale: InputScale },
): ModelClient =>
  url.startsWith('grpc://')
    ? createGrpcModelClient({ url, ...opts })
    : createModelClient({ predictUrl: url, ...opts })
