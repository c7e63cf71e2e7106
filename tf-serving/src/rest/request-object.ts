import { invalidArgument } from './errors.ts'
import { debugString } from './json-write.ts'

export const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v)

/**
 * The checks TF Serving makes on every request body before its method-specific ones: an object
 * and a string `signature_name` if any (json_tensor.cc:498-516). Other top-level keys are ignored
 * (json_tensor.h:63, :189).
 */
export const checkRequestObject = (
  body: unknown,
): { body: Record<string, unknown>; signatureName: string | undefined } => {
  if (!isObject(body)) throw invalidArgument(`JSON Value: ${debugString(body)} Is not object`)
  const sig = body.signature_name
  if (sig !== undefined && typeof sig !== 'string')
    throw invalidArgument(
      `JSON Value: ${debugString(body)} not formatted correctly. 'signature_name' key must be a string value.`,
    )
  return { body, signatureName: sig }
}
