// A stand-in for @tensorflow/tfjs-node, which cannot load here (libtensorflow is not
// downloadable on our machines): it registers a real TensorFlow.js backend under the native
// backend's name, `tensorflow`, made of the cpu backend's kernels, and re-exports
// @tensorflow/tfjs as tfjs-node does. STAND_IN_NATIVE picks how it behaves:
//   agree: the cpu kernels as they are (agrees with WebAssembly);
//   wrong: Add computes a − b (wrong numbers, no error);
//   fail:  Multiply throws (an error inside the native run).
// Served with TFJS_NATIVE_MODULE=<this file>.
import * as tf from '@tensorflow/tfjs'

export type StandInMode = 'agree' | 'wrong' | 'fail'

export const registerStandInBackend = (name: string, mode: StandInMode) => {
  if (tf.findBackend(name)) tf.removeBackend(name)
  const factory = tf.findBackendFactory('cpu')
  if (!factory) throw new Error('the cpu backend is not registered')
  tf.registerBackend(name, factory)
  const kernels = tf.getKernelsForBackend('cpu')
  const sub = kernels.find((k) => k.kernelName === 'Sub')
  for (const k of kernels) {
    if (tf.getKernel(k.kernelName, name)) tf.unregisterKernel(k.kernelName, name)
    let kernelFunc = k.kernelFunc
    if (mode === 'wrong' && k.kernelName === 'Add' && sub) kernelFunc = sub.kernelFunc
    if (mode === 'fail' && k.kernelName === 'Multiply')
      kernelFunc = () => {
        throw new Error('stand-in native kernel Multiply failed')
      }
    tf.registerKernel({ ...k, backendName: name, kernelFunc })
  }
}

const mode = (process.env.STAND_IN_NATIVE ?? 'agree') as StandInMode
registerStandInBackend('tensorflow', mode)

export * from '@tensorflow/tfjs'
