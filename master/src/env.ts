/** Hono context variables the webhook middleware chain fills in. */
export type MasterEnv = {
  Variables: {
    /** The exact body bytes, read once within the size limit; signatures are checked on these. */
    rawBody: Uint8Array
  }
}
