import type { Logger } from '@tweetbot/common/log'
import type { QueueProducer } from '@tweetbot/common/queue/producer'
import type { MasterMetrics } from './metrics/types.ts'
import type { BodyBudget } from './middleware/body-budget.ts'
import type { SignatureVerifier } from './middleware/webhook-signature.ts'

export interface MasterAppDeps {
  /** The app's consumer secret: signs CRC answers, verifies POST signatures. */
  consumerSecret: string
  queue: QueueProducer
  logger: Logger
  /** `createPromMasterMetrics(registry)` on Bun; `createInMemoryMasterMetrics()` on the edge. */
  metrics: MasterMetrics
  /** Largest accepted webhook body. @defaultValue 256 KiB */
  maxBodyBytes?: number
  /** Body bytes all requests may be reading at once (503 past it). @defaultValue 16 MiB */
  bodyBudgetBytes?: number
  /** Deadline for receiving a body (408 past it). @defaultValue 5000 */
  bodyTimeoutMs?: number
  /** Events older than this are acknowledged and dropped (`stale`). @defaultValue 86400 */
  maxEventAgeSec?: number
  /** The clock events are aged by. @defaultValue Date.now */
  now?: () => number
  /**
   * Signature check; default: the shared Web Crypto verifier (runs anywhere). `main.ts` passes
   * the faster node:crypto one (`nodeSignatureVerifier`).
   */
  verifySignature?: SignatureVerifier
}

/** What the webhook route gets: the app's dependencies with every limit resolved. */
export type WebhookDeps = Required<Omit<MasterAppDeps, 'bodyBudgetBytes' | 'verifySignature'>> &
  Pick<MasterAppDeps, 'verifySignature'> & {
    /** Shared by every request: body bytes being read at once. */
    bodyBudget: BodyBudget
  }
