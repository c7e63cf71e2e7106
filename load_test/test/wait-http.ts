/** Resolves once `url` answers 2xx; throws after `timeoutMs` (a process that never came up). */
export const waitHttpOk = async (url: string, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) return
    await Bun.sleep(50)
  }
  throw new Error(`${url} did not answer 2xx within ${timeoutMs} ms`)
}
