import { isAaaDelivery, routeAaa } from './route-aaa.ts'
import { isXaaDelivery, routeXaa } from './route-xaa.ts'
import type { DeliveryVerdict } from './types.ts'

/**
 * Decides, without I/O, what every event of a parsed webhook body becomes. A body with
 * `data.event_type` is an X Activity delivery; one with `for_user_id` or `*_events` keys is an
 * Account Activity delivery; anything else is not a webhook payload.
 */
export const routeDelivery = (body: unknown): DeliveryVerdict => {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, reason: 'body is not a JSON object' }
  const json = body as Record<string, unknown>
  if (isXaaDelivery(json)) return routeXaa(json)
  if (isAaaDelivery(json)) return routeAaa(json)
  return { ok: false, reason: 'not an Account Activity or X Activity payload' }
}
