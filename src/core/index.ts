/**
 * `@latticenet/plugin-index/core` — pure, synchronous, dependency-free rules:
 * strict JSON, RFC 8785, capability tables, ids and versions, base64, URL
 * hygiene, index validation and the catalog Markdown renderer. Runs
 * unchanged in Node and browsers.
 * @module
 */
export * from './errors.js';
export { parseJSONStrict, DEFAULT_JSON_LIMITS } from './json/strict.js';
export type { JSONLimits, JSONObject, JSONParseProblem, JSONParseResult, JSONValue } from './json/types.js';
export { locatePointer, type TextPosition } from './json/locate.js';
export { canonicalize, canonicalizeToBytes } from './jcs.js';
export * from './server-line.js';
export * from './rules.js';
export * from './base64.js';
export * from './index/validate.js';
export * from './index/problems.js';
export * from './index/types.js';
export * from './index/stored-manifest.js';
export * from './version-range.js';
export { goQuote } from './go-quote.js';
export { goPathClean } from './go-path.js';
export * from './markdown.js';
