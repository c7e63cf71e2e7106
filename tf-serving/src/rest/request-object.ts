import { invalidArgument } from './errors.ts'
import { debugString } from './json-write.ts'

export const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v)

/**
 * The checks TF Serving makes on every request body before its method-specific ones: an object,
 * a string `signature_name` if any, and no key outside `keys` (`expecting` names them in the
 * error, worded as TF Serving words it).
 */
export const checkRequestObject = (
  body: unknown,
  keys: ReadonlySet<string>,
  expecting: string,
): { body: Record<string, unknown>; signatureName: string | undefined } => {
  if (!isObject(body)) throw invalidArgument(`JSON Value: ${debugString(body)} Is not object`)
  const sig = body.signature_name
  if (sig !== undefined && typeof sig !== 'string')
    throw invalidArgument(
      `JSON Value: ${debugString(body)} not formatted correctly. 'signature_name' key must be a string value.`,
    )
  for (const key of Object.keys(body))
    if (!keys.has(key))
      throw invalidArgument(
        `JSON Value: ${debugString(body)} has unknown key '${key}': expecting ${expecting}`,
      )
  return { body, signatureName: sig }
}
