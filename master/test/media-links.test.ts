import { describe, expect, test } from 'bun:test'
import { type DmMessageCreate, dmTextWithoutMediaLink } from '../src/x/dm-event.ts'
import { withoutTrailingMediaLinks } from '../src/x/media-links.ts'

describe('withoutTrailingMediaLinks', () => {
  test.each([
    ['one trailing link', 'look @bot https://t.co/a', ['https://t.co/a'], 'look @bot'],
    [
      'two photos: both links, in the order given',
      'look https://t.co/a  https://t.co/b ',
      ['https://t.co/b', 'https://t.co/a'],
      'look',
    ],
    [
      'a link inside the text stays',
      'see https://t.co/a here',
      ['https://t.co/a'],
      'see https://t.co/a here',
    ],
    [
      'entries without a link are skipped',
      'hi https://t.co/a',
      [undefined, 'https://t.co/a'],
      'hi',
    ],
    ['no media: only trailing space goes', 'hi there  ', [], 'hi there'],
  ] as const)('%s', (_name, text, links, expected) => {
    expect(withoutTrailingMediaLinks(text, links)).toBe(expected)
  })
})

describe('dmTextWithoutMediaLink', () => {
  const photo = { media_url_https: 'https://ton.x.com/1.jpg', type: 'photo', url: 'https://t.co/p' }
  test.each([
    [
      'the attachment link goes, with the space before it',
      { text: 'what is it https://t.co/p ', attachment: { media: photo } },
      'what is it',
    ],
    [
      'without an attachment link, the /messages/media/ entity link goes',
      {
        text: 'what is it https://t.co/e',
        entities: {
          urls: [{ url: 'https://t.co/e', expanded_url: 'https://x.com/messages/media/1' }],
        },
      },
      'what is it',
    ],
    [
      'another entity link stays',
      {
        text: 'see https://t.co/o',
        entities: { urls: [{ url: 'https://t.co/o', expanded_url: 'https://example.com/' }] },
      },
      'see https://t.co/o',
    ],
    [
      'no link matches: the text as sent, untrimmed',
      { text: 'hi there  ', attachment: { media: photo } },
      'hi there  ',
    ],
    ['no media: the text as sent, untrimmed', { text: 'hi there  ' }, 'hi there  '],
  ] satisfies [string, DmMessageCreate['message_data'], string][])(
    '%s',
    (_name, data, expected) => {
      expect(dmTextWithoutMediaLink(data)).toBe(expected)
    },
  )
})
