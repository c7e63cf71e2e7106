// tensorflow.serving.Input (tf.Example protos) → the JSON examples the REST classify/regress
// path reads, so both APIs share one implementation: float_list/int64_list values become numbers,
// bytes_list values {"b64": …}.
import { invalidArgument } from '../rest/errors.ts'
import { markDoubles } from '../rest/json-parse.ts'

interface FeatureIn {
  bytes_list?: { value: Uint8Array[] } | null
  float_list?: { value: ArrayLike<number> } | null
  int64_list?: { value: ArrayLike<number | { toString(): string }> } | null
}
export interface ExampleIn {
  features?: { feature: Record<string, FeatureIn> } | null
}
export interface InputIn {
  example_list?: { examples: ExampleIn[] } | null
  example_list_with_context?: { examples: ExampleIn[]; context?: ExampleIn | null } | null
}

const featureValues = (f: FeatureIn): unknown[] => {
  if (f.bytes_list)
    return f.bytes_list.value.map((b) => ({ b64: Buffer.from(b).toString('base64') }))
  if (f.float_list) return markDoubles(Array.from(f.float_list.value))
  if (f.int64_list) return Array.from(f.int64_list.value, Number)
  return []
}

const exampleJson = (ex: ExampleIn): Record<string, unknown[]> =>
  Object.fromEntries(
    Object.entries(ex.features?.feature ?? {}).map(([name, f]) => [name, featureValues(f)]),
  )

/** The REST body `{signature_name, examples, context?}` equivalent to a gRPC Input. */
export const inputToJsonBody = (input: InputIn | null | undefined, signatureName: string) => {
  const list = input?.example_list ?? input?.example_list_with_context
  // TF Serving: InputToSerializedExampleTensor, "Input is empty" for an absent or empty list.
  if (!list || list.examples.length === 0) throw invalidArgument('Input is empty.')
  const context = input?.example_list_with_context?.context
  return {
    ...(signatureName ? { signature_name: signatureName } : {}),
    examples: list.examples.map(exampleJson),
    ...(context ? { context: exampleJson(context) } : {}),
  }
}
