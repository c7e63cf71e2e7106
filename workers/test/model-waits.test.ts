// Shutdown must not sit out a backoff: waiting for tf-serving (start-up) and riding out its
// outage (during a job) both stop at once when their signal aborts. tf-serving here is a closed
// loopback port, so every call really fails to connect.
import { describe, expect, test } from 'bun:test'
import { silentLogger } from '@tweetbot/common/log'
import { sleep } from '@tweetbot/common/sleep'
import { freePort } from '@tweetbot/testing'
import { createModelClient } from '../src/model/model-client.ts'
import { rideOutOutage } from '../src/model/ride-out-outage.ts'
import { waitForModel } from '../src/model/wait-for-model.ts'

const closedServer = async () =>
  createModelClient({
    predictUrl: `http://127.0.0.1:${await freePort()}/v1/models/default:predict`,
    timeoutMs: 1_000,
    scale: '0,1',
  })

/** Settles `p`, or says 'still waiting' once `ms` have passed. */
const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([
    p.then(
      () => 'resolved',
      () => 'rejected',
    ),
    Bun.sleep(ms).then(() => 'still waiting'),
  ])

describe('waits that a shutdown cuts short', () => {
  test('sleep resolves as soon as its signal aborts, and at once if it already has', async () => {
    const stop = new AbortController()
    const long = sleep(60_000, stop.signal)
    setTimeout(() => stop.abort(), 20)
    expect(await within(long, 5_000)).toBe('resolved')
    expect(await within(sleep(60_000, stop.signal), 1_000)).toBe('resolved')
  })

  test('waitForModel stops during its backoff when the worker shuts down', async () => {
    const stop = new AbortController()
    const waiting = waitForModel(await closedServer(), {
      logger: silentLogger,
      signal: stop.signal,
      baseDelayMs: 60_000,
    })
    await Bun.sleep(200) // the first metadata call has failed; the 60 s backoff has begun
    stop.abort()
    expect(await within(waiting, 5_000)).toBe('rejected')
  })

  test('rideOutOutage gives the job back during its backoff when the worker shuts down', async () => {
    const stop = new AbortController()
    const client = rideOutOutage(await closedServer(), { logger: silentLogger, waitMs: 600_000 })
    const input = {
      height: 2,
      width: 2,
      channels: 3,
      dtype: 'DT_FLOAT',
      signature: 'serving_default',
    }
    const predicting = client.predict(new Uint8Array(12), input, stop.signal)
    // Backoffs of 100, 200, 400, 800 and 1,600 ms end at about 3.1 s; then come 2 s waits. Abort
    // early in one of those: a wait that ignored the signal would hold the job for 1.5 s more.
    await Bun.sleep(3_400)
    stop.abort()
    expect(await within(predicting, 800)).toBe('rejected')
  })
})
