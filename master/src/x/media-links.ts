/**
 * The text without the t.co links X appends for attached media, each one checked at the end in
 * turn, so "look @bot https://t.co/a https://t.co/b" loses both; trailing space goes too.
 */
export const withoutTrailingMediaLinks = (
  text: string,
  links: readonly (string | undefined)[],
): string => {
  let out = text.trimEnd()
  for (const link of links)
    if (link && out.endsWith(link)) out = out.slice(0, -link.length).trimEnd()
  return out
}
