// Serialized tf.Example protos (what a client sends to predict as {"b64": …} for a signature
// whose input the graph parses with ParseExample) read into the same feature lists the REST
// `examples` JSON produces, so both reach examplesToFeeds.
import { invalidArgument } from '../../rest/errors.ts'
import type { Example, Feature } from '../../rest/examples.ts'
import { setOwn } from '../../rest/own.ts'
import { decodeMessage } from '../proto/schema.ts'

interface FeatureProto {
  bytesList?: { value?: Uint8Array[] }
  floatList?: { value?: number[] }
  int64List?: { value?: number[] }
}

const toFeature = (f: FeatureProto): Feature => {
  if (f.bytesList) return { kind: 'bytes', values: f.bytesList.value ?? [] }
  if (f.floatList) return { kind: 'float', values: f.floatList.value ?? [] }
  if (f.int64List) return { kind: 'int64', values: f.int64List.value ?? [] }
  return { kind: undefined, values: [] }
}

/** One serialized Example; throws TensorFlow's wording when the bytes are not one. */
export const decodeSerializedExample = (bytes: Uint8Array): Example => {
  let proto: { features?: { feature?: Record<string, FeatureProto> } }
  try {
    proto = decodeMessage('Example', bytes)
  } catch {
    // TensorFlow's ParseExample (example_proto_fast_parsing.cc, FastParseExample).
    throw invalidArgument(
      `Could not parse example input, value: '${Buffer.from(bytes).toString('latin1')}'`,
    )
  }
  const out: Example = {}
  // Feature names are the client's: "__proto__" must stay a feature (as in rest/examples.ts).
  for (const [name, f] of Object.entries(proto.features?.feature ?? {}))
    setOwn(out, name, toFeature(f))
  return out
}
