// The one place the sandbox reaches into the project's test support (fake X API, delivery
// builders): if that support moves, only these lines change.
export {
  dmDelivery,
  mentionDelivery,
  nextXId,
  xaaDmDelivery,
  xaaMentionDelivery,
} from '@tweetbot/testing/deliveries'
export {
  type FakeXApi,
  REPLY_PATH,
  type RecordedRequest,
  startFakeXApi,
} from '@tweetbot/testing/fake-x-api'
