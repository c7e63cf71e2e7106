// The one place the sandbox reaches into the project's test support (fake X API, delivery
// builders, signed POST): if that support moves, only these lines change.
export * from '@tweetbot/testing/deliveries'
export type { RecordedRequest } from '@tweetbot/testing/fake-x-api'
export { type FakeXApi, REPLY_PATH, replyTarget, startFakeXApi } from '@tweetbot/testing/fake-x-api'
export { postSignedDelivery } from '@tweetbot/testing/post-delivery'
