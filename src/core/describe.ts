/**
 * Short, safe descriptions of JSON values for "expected …, found …" messages.
 * Strings are truncated and quoted; nothing is ever printed in full, so a
 * message cannot carry a large or secret payload by accident.
 * @module
 */

/**
 * Describe a parsed JSON value.
 * @param v - any value from a parsed document.
 * @param maxString - longest string shown before it is cut with `…`.
 * @example describeJSONValue([1]) // 'an array'
 * @example describeJSONValue('x') // '"x"'
 */
export function describeJSONValue(v: unknown, maxString = 80): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > maxString ? `${v.slice(0, maxString)}…` : v);
  return `${typeof v} ${String(v)}`;
}
