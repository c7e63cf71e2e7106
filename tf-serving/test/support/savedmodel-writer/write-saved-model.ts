// Writes a SavedModel folder from code: `saved_model.pb` plus a `variables/` tensor bundle,
// through the same protobuf schema and bundle layout the loader reads. Tests and the benchmark
// build their models with it.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { encodeMessage } from '../../../src/savedmodel/proto/schema.ts'
import type { NodeObject } from './graph-builder.ts'
import { type WritableTensor, writeTensorBundle } from './tensor-bundle-writer.ts'

export interface TensorInfoObject {
  name: string
  dtype: string
  /** null = unknown rank; undefined = no tensor_shape at all (TensorFlow 1.0 wrote none). */
  shape: number[] | null | undefined
}

export interface SignatureObject {
  methodName: string
  inputs: Record<string, TensorInfoObject>
  outputs: Record<string, TensorInfoObject>
}

export interface FunctionObject {
  name: string
  inputArgs: { name: string; type: string }[]
  outputArgs: { name: string; type: string }[]
  nodes: NodeObject[]
  /** output arg name → `node:output_arg:index`. */
  ret: Record<string, string>
}

export interface SavedModelSpec {
  tags?: string[]
  tensorflowVersion?: string
  nodes: NodeObject[]
  functions?: FunctionObject[]
  signatures: Record<string, SignatureObject>
  /** Checkpoint tensors by key. Omit for a model without variables. */
  variables?: Record<string, WritableTensor>
  numShards?: number
  saverDef?: { filenameTensorName: string; saveTensorName: string; restoreOpName: string }
  /** TF2 object graph: nodes (children, variable) and concrete function bindings. */
  objectGraph?: {
    nodes: Record<string, unknown>[]
    concreteFunctions: Record<string, { boundInputs: number[] }>
  }
}

const tensorInfo = (t: TensorInfoObject) => ({
  name: t.name,
  dtype: t.dtype,
  ...(t.shape === undefined
    ? {}
    : {
        tensorShape: t.shape ? { dim: t.shape.map((size) => ({ size })) } : { unknownRank: true },
      }),
})

/** The SavedModel protobuf bytes for `spec`. */
const encodeSavedModel = (spec: SavedModelSpec): Uint8Array =>
  encodeMessage('SavedModel', {
    savedModelSchemaVersion: 1,
    metaGraphs: [
      {
        metaInfoDef: {
          tags: spec.tags ?? ['serve'],
          tensorflowVersion: spec.tensorflowVersion ?? 'tf-tweetbot-writer',
        },
        graphDef: {
          node: spec.nodes,
          versions: { producer: 1395 },
          library: {
            function: (spec.functions ?? []).map((f) => ({
              signature: { name: f.name, inputArg: f.inputArgs, outputArg: f.outputArgs },
              nodeDef: f.nodes,
              ret: f.ret,
            })),
          },
        },
        ...(spec.saverDef ? { saverDef: spec.saverDef } : {}),
        signatureDef: Object.fromEntries(
          Object.entries(spec.signatures).map(([k, s]) => [
            k,
            {
              methodName: s.methodName,
              inputs: Object.fromEntries(
                Object.entries(s.inputs).map(([a, t]) => [a, tensorInfo(t)]),
              ),
              outputs: Object.fromEntries(
                Object.entries(s.outputs).map(([a, t]) => [a, tensorInfo(t)]),
              ),
            },
          ]),
        ),
        ...(spec.objectGraph ? { objectGraphDef: spec.objectGraph } : {}),
      },
    ],
  })

/** Writes `spec` as a SavedModel in `dir` (created if needed). */
export const writeSavedModel = async (dir: string, spec: SavedModelSpec): Promise<void> => {
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'saved_model.pb'), encodeSavedModel(spec))
  if (spec.variables)
    await writeTensorBundle(
      join(dir, 'variables', 'variables'),
      spec.variables,
      spec.numShards ?? 1,
    )
}
