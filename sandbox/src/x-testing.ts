// The one place the sandbox reaches into the project's test support (fake X API, delivery
// builders): if that support moves, only these lines change.
export {
  dmDelivery,
  mentionDelivery,
  nextXId,
  xaaDmDelivery,
  xaaMentionDelivery,
} from '@tweetbot/common/src/testing/deliveries.ts'
export {
  type FakeXApi,
  REPLY_PATH,
  type RecordedRequest,
  startFakeXApi,
} from '@tweetbot/common/src/testing/fake-x-api.ts'
