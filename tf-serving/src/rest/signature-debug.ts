// A SignatureDef in protobuf text format, as SignatureDef::DebugString() prints it inside TF
// Serving's classify/regress errors (classifier.cc:197, :211; regressor.cc:189, :199): two-space
// indent, map entries sorted by key, fields at their default value left out, a final newline.
import type { SignatureDef, TensorSpec } from '../loaders/types.ts'

const tensorInfo = (t: TensorSpec, pad: string): string[] => {
  const lines = [`${pad}name: ${JSON.stringify(t.name)}`, `${pad}dtype: ${t.dtype}`]
  if (t.shape === null) lines.push(`${pad}tensor_shape {`, `${pad}  unknown_rank: true`, `${pad}}`)
  else {
    lines.push(`${pad}tensor_shape {`)
    for (const size of t.shape) lines.push(`${pad}  dim {`, `${pad}    size: ${size}`, `${pad}  }`)
    lines.push(`${pad}}`)
  }
  return lines
}

const mapField = (field: string, m: Record<string, TensorSpec>): string[] =>
  Object.keys(m)
    .sort()
    .flatMap((key) => [
      `${field} {`,
      `  key: ${JSON.stringify(key)}`,
      '  value {',
      ...tensorInfo(m[key] as TensorSpec, '    '),
      '  }',
      '}',
    ])

export const signatureDebugString = (sig: SignatureDef): string =>
  `${[
    ...mapField('inputs', sig.inputs),
    ...mapField('outputs', sig.outputs),
    `method_name: ${JSON.stringify(sig.methodName)}`,
  ].join('\n')}\n`
