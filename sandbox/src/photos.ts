import type { Photo } from './messages.ts'

export interface StoredPhoto {
  body: Uint8Array<ArrayBuffer>
  contentType: string
}

/** Uploaded photos in memory, served to the workers as X would serve media; oldest dropped first. */
export interface PhotoStore {
  add(id: string, body: Uint8Array<ArrayBuffer>, contentType: string): Photo
  get(name: string): StoredPhoto | undefined
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
}

export const createPhotoStore = (limit = 100): PhotoStore => {
  const photos = new Map<string, StoredPhoto>()
  return {
    add: (id, body, contentType) => {
      const name = `${id}.${EXTENSIONS[contentType] ?? 'img'}`
      photos.set(name, { body, contentType })
      for (const old of photos.keys()) {
        if (photos.size <= limit) break
        photos.delete(old)
      }
      return { path: `/media/${name}`, contentType, bytes: body.byteLength }
    },
    get: (name) => photos.get(name),
  }
}
