/**
 * The class scores of the first instance from a TF Serving `:predict` answer. A single output
 * comes as `predictions: [[…scores]]`; several outputs as `predictions: [{ name: […] }]`, where
 * the first numeric vector (preferring `probabilities`/`scores`) is taken. Scores that are not
 * already a probability distribution (negative, or not summing to 1) are turned into one with
 * softmax, so models that end in logits read the same as models that end in softmax.
 * @see https://www.tensorflow.org/tfx/serving/api_rest#response_format_2
 */
export const extractScores = (body: unknown): number[] => {
  const predictions = (body as { predictions?: unknown } | null)?.predictions
  if (!Array.isArray(predictions) || predictions.length === 0)
    throw new Error('predict answer has no predictions')
  const first = predictions[0]
  const vector = isNumberArray(first) ? first : pickNamedVector(first)
  if (!vector || vector.length === 0) throw new Error('predict answer has no score vector')
  return isDistribution(vector) ? vector : softmax(vector)
}

const isNumberArray = (v: unknown): v is number[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x))

const pickNamedVector = (v: unknown): number[] | undefined => {
  if (!v || typeof v !== 'object') return undefined
  const named = v as Record<string, unknown>
  for (const key of ['probabilities', 'scores', 'predictions'])
    if (isNumberArray(named[key])) return named[key]
  return Object.values(named).find(isNumberArray)
}

const isDistribution = (v: number[]) => {
  let sum = 0
  for (const x of v) {
    if (x < 0 || x > 1) return false
    sum += x
  }
  return Math.abs(sum - 1) < 0.01
}

export const softmax = (v: number[]): number[] => {
  const max = Math.max(...v)
  const exps = v.map((x) => Math.exp(x - max))
  const sum = exps.reduce((a, b) => a + b, 0)
  return exps.map((e) => e / sum)
}
