// Inside a FunctionDef, inputs name tensors as `node:output_arg:index` (the op's output argument
// and the position inside it), while GraphDefs and TensorFlow.js use a flat output index
// (`node:k`). Turning one into the other needs the op's output arguments and how many tensors
// each holds; this table covers the multi-output ops found in inference graphs. Ops not listed
// have one output argument, so the flat index is the position.
import type { AttrValue } from '../proto/types.ts'

type Count = (attr: Record<string, AttrValue>) => number
const one: Count = () => 1
const intAttr =
  (name: string): Count =>
  (a) =>
    a[name]?.i ?? 0
const listLen =
  (name: string): Count =>
  (a) =>
    a[name]?.list?.type?.length ?? 0

const OUTPUT_ARGS: Record<string, [string, Count][]> = {
  ParseExample: [
    ['sparse_indices', intAttr('Nsparse')],
    ['sparse_values', intAttr('Nsparse')],
    ['sparse_shapes', intAttr('Nsparse')],
    ['dense_values', listLen('Tdense')],
  ],
  ParseExampleV2: [
    ['sparse_indices', intAttr('num_sparse')],
    ['sparse_values', intAttr('num_sparse')],
    ['sparse_shapes', intAttr('num_sparse')],
    ['dense_values', listLen('Tdense')],
    ['ragged_values', listLen('ragged_value_types')],
    ['ragged_row_splits', listLen('ragged_split_types')],
  ],
  TopKV2: [
    ['values', one],
    ['indices', one],
  ],
  Unique: [
    ['y', one],
    ['idx', one],
  ],
  Switch: [
    ['output_false', one],
    ['output_true', one],
  ],
  Merge: [
    ['output', one],
    ['value_index', one],
  ],
  ListDiff: [
    ['out', one],
    ['idx', one],
  ],
  BroadcastGradientArgs: [
    ['r0', one],
    ['r1', one],
  ],
  MaxPoolWithArgmax: [
    ['output', one],
    ['argmax', one],
  ],
  NonMaxSuppressionV4: [
    ['selected_indices', one],
    ['valid_outputs', one],
  ],
  NonMaxSuppressionV5: [
    ['selected_indices', one],
    ['selected_scores', one],
    ['valid_outputs', one],
  ],
  StringSplit: [
    ['indices', one],
    ['values', one],
    ['shape', one],
  ],
  SparseReshape: [
    ['output_indices', one],
    ['output_shape', one],
  ],
  TensorArrayV3: [
    ['handle', one],
    ['flow', one],
  ],
  TensorListPopBack: [
    ['output_handle', one],
    ['tensor', one],
  ],
}
for (const v of ['FusedBatchNorm', 'FusedBatchNormV2', 'FusedBatchNormV3'])
  OUTPUT_ARGS[v] = [
    'y',
    'batch_mean',
    'batch_variance',
    'reserve_space_1',
    'reserve_space_2',
    'reserve_space_3',
  ].map((n) => [n, one])
OUTPUT_ARGS.UniqueV2 = OUTPUT_ARGS.Unique!
OUTPUT_ARGS.RefSwitch = OUTPUT_ARGS.Switch!
OUTPUT_ARGS.StringSplitV2 = OUTPUT_ARGS.StringSplit!

/** Flat output index of `argName[index]` on an `op` node with attributes `attr`. */
export const flatOutputIndex = (
  op: string,
  attr: Record<string, AttrValue>,
  argName: string,
  index: number,
): number => {
  const args = OUTPUT_ARGS[op]
  if (!args) return index
  let base = 0
  for (const [name, count] of args) {
    if (name === argName) return base + index
    base += count(attr)
  }
  return index
}

/** First flat index and count of output argument `argName` (for ops in the table). */
export const outputArgRange = (
  op: string,
  attr: Record<string, AttrValue>,
  argName: string,
): { start: number; count: number } | undefined => {
  const args = OUTPUT_ARGS[op]
  if (!args) return undefined
  let base = 0
  for (const [name, count] of args) {
    const n = count(attr)
    if (name === argName) return { start: base, count: n }
    base += n
  }
  return undefined
}
