import { describe, expect, test } from 'bun:test'
import { metadataUrlFor, parseModelMetadata } from '../src/model/parse-metadata.ts'

const metadata = (dims: (string | number)[], inputs = 1) => ({
  model_spec: { name: 'default', signature_name: '', version: '1' },
  metadata: {
    signature_def: {
      signature_def: {
        serving_default: {
          inputs: Object.fromEntries(
            Array.from({ length: inputs }, (_, i) => [
              `input_${i}`,
              {
                dtype: 'DT_FLOAT',
                tensor_shape: { dim: dims.map((size) => ({ size, name: '' })) },
              },
            ]),
          ),
          outputs: {},
          method_name: 'tensorflow/serving/predict',
        },
      },
    },
  },
})

describe('parseModelMetadata', () => {
  test('reads height, width, channels and dtype as TF Serving prints them (sizes as strings)', () => {
    expect(parseModelMetadata(metadata(['-1', '224', '224', '3']))).toEqual({
      height: 224,
      width: 224,
      channels: 3,
      dtype: 'DT_FLOAT',
      signature: 'serving_default',
      alias: 'input_0',
    })
  })
  test('refuses shapes that are not images, several inputs, unknown signatures', () => {
    expect(() => parseModelMetadata(metadata(['-1', '1000']))).toThrow(/not \[batch/)
    expect(() => parseModelMetadata(metadata(['-1', '-1', '-1', '3']))).toThrow(/not \[batch/)
    expect(() => parseModelMetadata(metadata(['-1', '2', '2', '3'], 2))).toThrow(/exactly one/)
    expect(() => parseModelMetadata(metadata(['-1', '2', '2', '3']), 'other')).toThrow(/other/)
    expect(() => parseModelMetadata({ error: 'x' })).toThrow(/signature_def/)
  })
})

describe('metadataUrlFor', () => {
  test('maps the predict URL to the metadata URL, versions included', () => {
    expect(metadataUrlFor('http://h:8501/v1/models/default:predict')).toBe(
      'http://h:8501/v1/models/default/metadata',
    )
    expect(metadataUrlFor('http://h:8501/v1/models/m/versions/2:predict')).toBe(
      'http://h:8501/v1/models/m/versions/2/metadata',
    )
    expect(() => metadataUrlFor('http://h:8501/v1/models/m')).toThrow(/:predict/)
  })
})

describe('parseModelMetadata: signature names are looked up as own keys only', () => {
  test('a signature named like an Object.prototype member is "not there", not a crash', () => {
    const body = metadata(['-1', '224', '224', '3'])
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty'])
      expect(() => parseModelMetadata(body, name)).toThrow(
        `model metadata has no signature "${name}"`,
      )
  })
})
