import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { type FakeXApi, startFakeXApi } from '@tweetbot/testing/fake-x-api'
import { MediaRejectedError, MediaUnavailableError } from '../src/errors.ts'
import { mediaPolicy } from '../src/media/allow-list.ts'
import { createMediaFetcher } from '../src/media/fetch-media.ts'
import { createOAuth1Signer } from '../src/media/oauth1-signer.ts'

const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4])
let server: ReturnType<typeof Bun.serve>
let other: ReturnType<typeof Bun.serve>
let host: string
let x: FakeXApi
const seen: Request[] = []
let otherHits = 0

beforeAll(async () => {
  other = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: () => {
      otherHits++
      return new Response(JPEG)
    },
  })
  server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch: (req) => {
      seen.push(req)
      const path = new URL(req.url).pathname
      const type = { 'content-type': 'image/jpeg' }
      if (path === '/ok.jpg') return new Response(JPEG, { headers: type })
      if (path === '/hop') return Response.redirect('/ok.jpg', 302)
      if (path === '/away') return Response.redirect(`http://127.0.0.1:${other.port}/x.jpg`, 302)
      if (path === '/loop') return Response.redirect('/loop', 302)
      if (path === '/gone') return new Response('no', { status: 404 })
      if (path === '/denied') return new Response('no', { status: 403 })
      if (path === '/busy') return new Response('later', { status: 503 })
      if (path === '/html')
        return new Response('<html/>', { headers: { 'content-type': 'text/html' } })
      if (path === '/endless')
        // No Content-Length: a stream of 64 KiB chunks that never ends.
        return new Response(
          new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(65_536)) }),
          { headers: type },
        )
      if (path === '/slow') return Bun.sleep(5_000).then(() => new Response(JPEG))
      return new Response('?', { status: 404 })
    },
  })
  host = `127.0.0.1:${server.port}`
  x = await startFakeXApi({
    media: { '/1.1/ton/data/dm/1/2/a.png': { body: JPEG, contentType: 'image/png' } },
  })
})
afterAll(async () => {
  server.stop(true)
  other.stop(true)
  await x.stop()
})

const fetcher = (extra: string[] = [host]) =>
  createMediaFetcher({
    policy: mediaPolicy(extra),
    maxBytes: 1_000_000,
    timeoutMs: 1_000,
    maxRedirects: 3,
  })

describe('createMediaFetcher', () => {
  test('downloads from an allowed host and follows redirects on it', async () => {
    expect(await fetcher()(`http://${host}/ok.jpg`)).toEqual(JPEG)
    expect(await fetcher()(`http://${host}/hop`)).toEqual(JPEG)
  })

  test('a redirect to a host off the allow-list is refused without fetching it', async () => {
    const err = await fetcher()(`http://${host}/away`).catch((e) => e)
    expect(err).toBeInstanceOf(MediaRejectedError)
    expect(err.message).toMatch(/not on the allow-list/)
    expect(otherHits).toBe(0)
  })

  test('a host off the allow-list is never contacted', async () => {
    const before = seen.length
    await expect(fetcher([])(`http://${host}/ok.jpg`)).rejects.toBeInstanceOf(MediaRejectedError)
    expect(seen.length).toBe(before)
  })

  test('redirect loops end', async () => {
    await expect(fetcher()(`http://${host}/loop`)).rejects.toThrow(/too many redirects/)
  })

  test('404 and 403 are permanent; 503 and timeouts are worth a retry', async () => {
    await expect(fetcher()(`http://${host}/gone`)).rejects.toBeInstanceOf(MediaRejectedError)
    await expect(fetcher()(`http://${host}/denied`)).rejects.toThrow(/403/)
    await expect(fetcher()(`http://${host}/busy`)).rejects.toBeInstanceOf(MediaUnavailableError)
    await expect(fetcher()(`http://${host}/slow`)).rejects.toBeInstanceOf(MediaUnavailableError)
  })

  test('size cap: a body without Content-Length is cut off while reading', async () => {
    await expect(fetcher()(`http://${host}/endless`)).rejects.toThrow(/larger than 1000000/)
  })

  test('non-image content types are refused', async () => {
    await expect(fetcher()(`http://${host}/html`)).rejects.toThrow(/not an image/)
  })

  test('ton.* style hosts get the bot OAuth 1.0a header, over https, others never do', async () => {
    const tonHost = `127.0.0.1:${x.port}`
    const sign = createOAuth1Signer({
      appKey: 'ck',
      appSecret: 'cs',
      accessToken: 'at',
      accessSecret: 'as',
    })
    const fetchTrustingFake = ((url: string, init?: RequestInit) =>
      fetch(url, { ...init, tls: { ca: x.caCert } } as RequestInit)) as typeof fetch
    const get = createMediaFetcher({
      policy: {
        httpsHosts: new Set([tonHost]),
        signedHosts: new Set([tonHost]),
        extraHosts: new Set([host]),
      },
      maxBytes: 1_000_000,
      timeoutMs: 2_000,
      maxRedirects: 1,
      sign,
      fetch: fetchTrustingFake,
    })
    expect(await get(`https://${tonHost}/1.1/ton/data/dm/1/2/a.png`)).toEqual(JPEG)
    const auth = x.requests.at(-1)?.headers.authorization ?? ''
    expect(auth).toStartWith('OAuth ')
    expect(auth).toContain('oauth_consumer_key="ck"')
    expect(auth).toContain('oauth_token="at"')
    expect(auth).toContain('oauth_signature=')
    await get(`http://${host}/ok.jpg`)
    expect(seen.at(-1)?.headers.get('authorization')).toBeNull()
  })
})
