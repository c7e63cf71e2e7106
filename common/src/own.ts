/**
 * `obj[key]` when `key` is one of the object's own properties, else undefined. For names that come
 * from outside (a payload, a URL, another service): plain indexing would find Object.prototype's
 * members (`constructor`, `__proto__`, `toString` …) and hand back a function or the prototype.
 */
export const ownValue = <T>(
  obj: Readonly<Record<string, T>> | undefined | null,
  key: string,
): T | undefined => (obj != null && Object.hasOwn(obj, key) ? obj[key] : undefined)
