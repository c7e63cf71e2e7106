import { describe, expect, test } from 'bun:test'
import { cpus } from 'node:os'
import { tfServingEnvSchema } from '@tweetbot/common/config'
import { parseBatchingParameters } from '../src/config/batching-params.ts'
import { FlagError, resolveOptions } from '../src/config/flags.ts'
import { ModelConfigError, parseModelConfig } from '../src/config/model-config.ts'
import { aspiredVersions } from '../src/manager/versions.ts'

describe('model config file (text protobuf)', () => {
  test('several models, policies and labels', () => {
    const configs = parseModelConfig(
      `model_config_list: {
        config: { name: "a", base_path: "/m/a", model_platform: "tensorflow",
                  model_version_policy: { specific: { versions: 1, versions: 3 } },
                  version_labels { key: 'stable', value: 1 } }
        config { name: 'b' base_path: 'rel/b' model_version_policy { latest { num_versions: 2 } } }
        config { name: 'c' base_path: '/m/c' model_version_policy { all {} } }  # comment
      }`,
      '/etc/tfs',
    )
    expect(configs).toEqual([
      {
        name: 'a',
        basePath: '/m/a',
        platform: 'tensorflow',
        policy: { kind: 'specific', versions: [1, 3] },
        labels: { stable: 1 },
      },
      {
        name: 'b',
        basePath: '/etc/tfs/rel/b',
        platform: 'tensorflow',
        policy: { kind: 'latest', numVersions: 2 },
        labels: {},
      },
      { name: 'c', basePath: '/m/c', platform: 'tensorflow', policy: { kind: 'all' }, labels: {} },
    ])
  })
  test('mistakes are named', () => {
    expect(() => parseModelConfig('config { name: "x" }', '/')).toThrow(ModelConfigError)
    expect(() => parseModelConfig('model_config_list { config { name: "x" } }', '/')).toThrow(
      'model x: base_path is missing',
    )
    expect(() =>
      parseModelConfig('model_config_list { config { name: "x" base_path: "/x" ', '/'),
    ).toThrow("missing '}'")
  })
  test('version policies pick from what is on disk', () => {
    expect(aspiredVersions([1, 3, 2], { kind: 'latest', numVersions: 1 })).toEqual([3])
    expect(aspiredVersions([1, 3, 2], { kind: 'latest', numVersions: 2 })).toEqual([3, 2])
    expect(aspiredVersions([1, 3, 2], { kind: 'all' })).toEqual([3, 2, 1])
    expect(aspiredVersions([1, 3], { kind: 'specific', versions: [1, 2] })).toEqual([1])
  })
})

describe('batching parameters file', () => {
  test('wrapped and bare values; defaults for the rest', () => {
    expect(
      parseBatchingParameters(
        'max_batch_size { value: 8 }\nbatch_timeout_micros: 500\nnum_batch_threads { value: 2 }',
      ),
    ).toEqual({
      maxBatchSize: 8,
      batchTimeoutMicros: 500,
      maxEnqueuedBatches: 10,
      numBatchThreads: 2,
    })
  })
})

describe('flags and env', () => {
  const env = tfServingEnvSchema.parse({
    MODEL_NAME: 'm',
    MODEL_BASE_PATH: '/models',
    PORT: '9000',
  })
  test('env alone serves $MODEL_BASE_PATH/$MODEL_NAME on $PORT', () => {
    const o = resolveOptions([], env)
    expect(o.restApiPort).toBe(9000)
    expect(o.modelName).toBe('m')
    expect(o.modelBasePath).toBe('/models/m')
    expect(o.fileSystemPollWaitSeconds).toBe(1)
    expect(o.enableBatching).toBe(false)
  })
  test('tensorflow_model_server flag syntax wins over env', () => {
    const o = resolveOptions(
      [
        '--rest_api_port=8501',
        '--model_name',
        'default',
        '--model_base_path=/x/default',
        '--enable_batching',
        '--port=8500',
        '--grpc_socket_path=/tmp/s',
      ],
      env,
    )
    expect(o).toMatchObject({
      restApiPort: 8501,
      modelName: 'default',
      modelBasePath: '/x/default',
      enableBatching: true,
      grpcPort: 8500,
    })
    expect(o.ignored).toEqual(['grpc_socket_path'])
  })
  test('gRPC: --port 8500 by default, --port=0 turns it off; its limits follow REST', () => {
    const d = resolveOptions(['--rest_api_max_body_bytes=1000'], env)
    expect(d).toMatchObject({
      grpcPort: 8500,
      grpcMaxMessageBytes: 1000,
      tensorContentOutputs: false,
    })
    expect(d.grpcMaxThreads).toBeGreaterThanOrEqual(4)
    const o = resolveOptions(
      [
        '--port=0',
        '--grpc_max_threads=3',
        '--grpc_max_message_bytes=5000',
        '--enable_serialization_as_tensor_content',
      ],
      env,
    )
    expect(o).toMatchObject({
      grpcPort: undefined,
      grpcMaxThreads: 3,
      grpcMaxMessageBytes: 5000,
      tensorContentOutputs: true,
    })
    expect(() => resolveOptions(['--grpc_max_threads=0'], env)).toThrow(/grpc_max_threads/)
  })
  test('inference workers: one per core and threads unless told otherwise', () => {
    expect(env.TF_SERVING_WORKERS).toBeUndefined()
    expect(resolveOptions([], env)).toMatchObject({
      inferenceWorkers: cpus().length,
      workerMode: 'thread',
    })
    const three = tfServingEnvSchema.parse({ TF_SERVING_WORKERS: '3' })
    expect(resolveOptions([], three).inferenceWorkers).toBe(3)
    expect(resolveOptions(['--inference_workers=2'], three).inferenceWorkers).toBe(2)
    const zero = tfServingEnvSchema.safeParse({ TF_SERVING_WORKERS: '0' })
    expect(zero.success).toBe(false)
    expect(zero.error?.issues[0]?.message).toBe('must be greater than 0')
  })
  test('unknown flags and bad values are refused', () => {
    expect(() => resolveOptions(['--rest_api_prot=1'], env)).toThrow(FlagError)
    expect(() => resolveOptions(['--file_system_poll_wait_seconds=-1'], env)).toThrow(
      'must be a whole number',
    )
  })
})
