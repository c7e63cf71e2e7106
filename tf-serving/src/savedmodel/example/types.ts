/**
 * How a signature that takes serialized `tf.Example`s is fed without a protobuf round trip: the
 * loader cut the graph's ParseExample/ParseExampleV2 node out and put one placeholder per dense
 * feature in its place; `examplesToFeeds` (./examples-to-feeds.ts) fills those placeholders from
 * the request's JSON `examples` (+ `context`). Plain data, so it travels in
 * `artifacts.userDefinedMetadata` to every inference worker.
 */
export interface ExampleFeature {
  /** Feature name in the examples. */
  key: string
  /** TensorFlow dtype of the parsed values: DT_FLOAT, DT_INT64 or DT_STRING. */
  dtype: string
  /** Per-example shape (`dense_shapes`); the fed tensor is [batch, ...shape]. */
  shape: number[]
  /** Flat default values, or null when the feature is required. */
  default: (number | string)[] | null
  /** Graph node to feed (a placeholder the loader created); null when no signature uses it. */
  tensor: string | null
}

export interface ExampleSignature {
  features: ExampleFeature[]
}
