// Names from a request (signature, input, output, feature, label) are looked up as a record's
// own keys only: `signature_name: "constructor"` (or "__proto__", "toString") must find nothing,
// not Object.prototype's members, and be answered with TF Serving's normal not-found error.

/** `record[key]` when `key` is the record's own property, else undefined: common's, as every service looks names up. */
export { ownValue } from '@tweetbot/common/own'

/** Whether `key` is the record's own property (never an inherited one). */
export const hasOwnKey = (record: object, key: string): boolean => Object.hasOwn(record, key)

/**
 * Sets `record[key] = value` as an own property even for "__proto__", which plain assignment
 * would turn into a prototype change (JSON.parse defines the key; so must our parsers).
 */
export const setOwn = <T>(record: Record<string, T>, key: string, value: T) => {
  if (key === '__proto__')
    Object.defineProperty(record, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  else record[key] = value
}
