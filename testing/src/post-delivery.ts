import { signWebhookBody } from '@tweetbot/common/webhook-signature'

/**
 * POSTs a delivery body to the master's webhook as X does: JSON, signed with the consumer secret
 * (or with `signature` as given, to test a bad one).
 */
export const postSignedDelivery = async (
  webhookUrl: string,
  consumerSecret: string,
  body: string,
  opts: { signature?: string; signal?: AbortSignal } = {},
): Promise<Response> =>
  fetch(webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-twitter-webhooks-signature':
        opts.signature ?? (await signWebhookBody(consumerSecret, body)),
    },
    body,
    ...(opts.signal ? { signal: opts.signal } : {}),
  })
