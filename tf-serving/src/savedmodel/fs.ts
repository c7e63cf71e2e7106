// Path checks that answer false for a missing path instead of throwing.
import { stat } from 'node:fs/promises'

export const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  )

export const isFile = (path: string) =>
  stat(path).then(
    (s) => s.isFile(),
    () => false,
  )
