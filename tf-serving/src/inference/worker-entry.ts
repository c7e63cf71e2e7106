// The inference worker's entry point. It runs either as a Bun Worker thread (messages via
// self.postMessage) or as a child process (messages via Bun's IPC channel, process.send); the
// pool chooses. It never sees HTTP: only tensors in and tensors out.
import { parseBackendChoice, selectBackend, wasmHeapBytes } from './backend.ts'
import { createExecutor } from './executor.ts'
import { type CrossCheckReport, type FromWorker, type ToWorker, transferables } from './protocol.ts'

declare const self: Worker

const isChildProcess =
  typeof process.send === 'function' && typeof Bun !== 'undefined' && Bun.isMainThread

const send = (msg: FromWorker, transfer: Transferable[] = []) => {
  if (isChildProcess) process.send?.(msg)
  else self.postMessage(msg, transfer)
}

const start = async () => {
  const backend = await selectBackend(
    parseBackendChoice(process.env.TFJS_BACKEND),
    process.env.TFJS_NATIVE_MODULE || undefined,
  )
  const executor = createExecutor(backend.tf)
  // Set once the native backend failed a cross-check: the worker serves with WebAssembly.
  let fellBack = false
  const crossCheck = async (key: string): Promise<CrossCheckReport | undefined> => {
    if (!backend.native || fellBack) return undefined
    const result = await executor.crossCheck(key, 'wasm')
    // crossCheck only reports a failure after running wasm, so switching to it cannot fail here.
    if (result.outcome === 'mismatch' || result.outcome === 'error') {
      await backend.tf.setBackend('wasm')
      fellBack = true
    }
    return { ...result, model: key, backend: backend.tf.getBackend() }
  }
  // Messages are handled one at a time: the backend is single-threaded anyway, and ordering
  // guarantees a `load` finishes before a `run` for the same servable starts.
  let chain: Promise<void> = Promise.resolve()
  const handle = async (msg: ToWorker) => {
    try {
      if (msg.type === 'load') {
        await executor.load(msg.key, msg.servable)
        send({ type: 'done', id: msg.id, crossCheck: await crossCheck(msg.key) })
      } else if (msg.type === 'unload') {
        executor.unload(msg.key)
        send({ type: 'done', id: msg.id })
      } else {
        const outputs = await executor.run(msg.key, msg.signature, msg.inputs, msg.outputs)
        const heapBytes = wasmHeapBytes(backend.tf)
        send({ type: 'done', id: msg.id, outputs, heapBytes }, transferables(outputs))
      }
    } catch (err) {
      send({
        type: 'failed',
        id: msg.id,
        message: (err as Error).message ?? String(err),
        heapBytes: wasmHeapBytes(backend.tf),
      })
    }
  }
  const onMessage = (msg: ToWorker) => {
    chain = chain.then(() => handle(msg))
  }
  if (isChildProcess) {
    process.on('message', (m) => onMessage(m as ToWorker))
    // The parent died (even by SIGKILL): the IPC channel closes, and a worker must not linger.
    process.on('disconnect', () => process.exit(0))
  } else self.onmessage = (e: MessageEvent<ToWorker>) => onMessage(e.data)
  send({ type: 'ready', backend: backend.name, reason: backend.reason })
}

start().catch((err: unknown) =>
  send({ type: 'fatal', message: (err as Error).message ?? String(err) }),
)
