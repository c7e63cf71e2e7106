/** The first photo (X puts up to 4 photos, or one video/GIF, on a tweet). */
export const pickPhoto = (media: readonly { url: string; type: string }[]): string | undefined =>
  media.find((m) => m.type === 'photo')?.url
