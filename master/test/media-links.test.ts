import { expect, test } from 'bun:test'
import { withoutTrailingMediaLinks } from '../src/x/media-links.ts'

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
  ['entries without a link are skipped', 'hi https://t.co/a', [undefined, 'https://t.co/a'], 'hi'],
  ['no media: only trailing space goes', 'hi there  ', [], 'hi there'],
] as const)('%s', (_name, text, links, expected) => {
  expect(withoutTrailingMediaLinks(text, links)).toBe(expected)
})
