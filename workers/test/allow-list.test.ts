import { describe, expect, test } from 'bun:test'
import { MediaRejectedError } from '../src/errors.ts'
import { checkMediaUrl, mediaPolicy } from '../src/media/allow-list.ts'

const policy = mediaPolicy(['127.0.0.1:9100', 'images.example'])

describe('checkMediaUrl', () => {
  test("X's hosts over https; ton.* are signed, pbs is not", () => {
    expect(checkMediaUrl('https://pbs.twimg.com/media/a.jpg', policy).signed).toBe(false)
    expect(checkMediaUrl('https://ton.twitter.com/1.1/ton/data/dm/1/2/x.png', policy).signed).toBe(
      true,
    )
  })
  test("X's hosts over http, or on another port, are refused", () => {
    expect(() => checkMediaUrl('http://pbs.twimg.com/media/a.jpg', policy)).toThrow(/https only/)
    expect(() => checkMediaUrl('https://pbs.twimg.com:8443/a.jpg', policy)).toThrow(
      MediaRejectedError,
    )
  })
  test('extra hosts match host:port exactly, over http or https, never signed', () => {
    expect(checkMediaUrl('http://127.0.0.1:9100/cat.jpg', policy).signed).toBe(false)
    expect(checkMediaUrl('https://images.example/cat.jpg', policy).url.host).toBe('images.example')
    expect(() => checkMediaUrl('http://127.0.0.1:9101/cat.jpg', policy)).toThrow(/allow-list/)
    expect(() => checkMediaUrl('http://images.example:8080/cat.jpg', policy)).toThrow(/allow-list/)
  })
  test('refuses other schemes, credentials, look-alike hosts and garbage', () => {
    expect(() => checkMediaUrl('file:///etc/passwd', policy)).toThrow(/scheme/)
    expect(() => checkMediaUrl('https://u:p@pbs.twimg.com/a.jpg', policy)).toThrow(/credentials/)
    expect(() => checkMediaUrl('https://pbs.twimg.com.evil.example/a.jpg', policy)).toThrow(
      /allow-list/,
    )
    expect(() => checkMediaUrl('http://169.254.169.254/latest/meta-data', policy)).toThrow(
      /allow-list/,
    )
    expect(() => checkMediaUrl('not a url', policy)).toThrow(/valid URL/)
  })
})
