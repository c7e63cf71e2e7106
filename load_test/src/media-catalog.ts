/** The images the load-test media server serves; fake payloads point at them by name. */
export interface MediaImage {
  name: string
  format: 'jpeg' | 'png'
  width: number
  height: number
  /** Seed for the deterministic picture (different seeds, different pictures). */
  seed: number
}

export const CONTENT_TYPE: Record<MediaImage['format'], string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
}

export const MEDIA_IMAGES: readonly MediaImage[] = [
  { name: 'hills.jpg', format: 'jpeg', width: 1200, height: 900, seed: 1 },
  { name: 'valley.jpg', format: 'jpeg', width: 1024, height: 768, seed: 2 },
  { name: 'sunset.jpg', format: 'jpeg', width: 1600, height: 1200, seed: 3 },
  { name: 'meadow.png', format: 'png', width: 800, height: 600, seed: 4 },
  { name: 'coast.jpg', format: 'jpeg', width: 900, height: 1200, seed: 5 },
  { name: 'avatar.png', format: 'png', width: 400, height: 400, seed: 6 },
]

/** Images that stand in for user photos (the avatar is only a profile picture). */
export const PHOTO_NAMES = MEDIA_IMAGES.map((m) => m.name).filter((n) => n !== 'avatar.png')

export const DEFAULT_MEDIA_BASE_URL = 'http://127.0.0.1:9100'

export const mediaUrl = (baseUrl: string, name: string) =>
  `${baseUrl.replace(/\/+$/, '')}/media/${name}`
