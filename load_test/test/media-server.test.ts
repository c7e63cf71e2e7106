import { afterAll, expect, test } from 'bun:test'
import sharp from 'sharp'
import { MEDIA_IMAGES } from '../src/media-catalog.ts'
import { startMediaServer } from '../src/media-server.ts'

const server = await startMediaServer()
afterAll(() => server.stop())

test('serves every catalogue image as a decodable JPEG or PNG of the stated size', async () => {
  for (const img of MEDIA_IMAGES) {
    const res = await fetch(`${server.url}/media/${img.name}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(img.format === 'jpeg' ? 'image/jpeg' : 'image/png')
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata()
    expect(meta.format).toBe(img.format)
    expect([meta.width, meta.height]).toEqual([img.width, img.height])
  }
})

test('images are photo-like, not flat: many distinct colours', async () => {
  const res = await fetch(`${server.url}/media/hills.jpg`)
  const { data } = await sharp(Buffer.from(await res.arrayBuffer()))
    .resize(64, 48)
    .raw()
    .toBuffer({ resolveWithObject: true })
  const colours = new Set<number>()
  for (let i = 0; i < data.length; i += 3)
    colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!)
  expect(colours.size).toBeGreaterThan(500)
})

test("accepts X's size suffix, counts hits, 404s unknown names", async () => {
  const before = server.hits.get('/media/valley.jpg') ?? 0
  expect((await fetch(`${server.url}/media/valley.jpg:large`)).status).toBe(200)
  expect((await fetch(`${server.url}/media/valley.jpg?name=small`)).status).toBe(200)
  expect(server.hits.get('/media/valley.jpg')).toBe(before + 2)
  expect((await fetch(`${server.url}/media/nope.jpg`)).status).toBe(404)
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
})
