/**
 * Types of the strict JSON parser.
 * @module
 */
import type { ErrorCode } from '../errors.js';

/** A JSON value as the strict parser returns it (objects have plain prototypes). */
export type JSONValue = null | boolean | number | string | JSONValue[] | JSONObject;
/** A JSON object. `__proto__` keys are own data properties, never prototypes. */
export interface JSONObject {
  [key: string]: JSONValue;
}

/** Resource limits for {@link parseJSONStrict}. Every limit is inclusive. */
export interface JSONLimits {
  /** Largest input in bytes (UTF-8). Default 16 MiB. */
  maxBytes?: number;
  /** Deepest nesting of arrays/objects (top-level container = depth 1). Default 64. */
  maxDepth?: number;
  /** Most entries in a single array or object. Default 1,000,000. */
  maxMembers?: number;
  /** Longest string, in UTF-16 code units after unescaping. Default 1 MiB. */
  maxStringLength?: number;
  /**
   * Only integer literals (`-?(0|[1-9][0-9]*)`) are allowed; a fraction or
   * exponent is `JSON_NUMBER_NOT_INTEGER`. Used for Lattice manifests, whose
   * only numbers are Go `int` fields.
   */
  integersOnly?: boolean;
}

/** Where and why parsing failed. */
export interface JSONParseProblem {
  /** Stable code, one of the `JSON_*` codes. */
  code: ErrorCode;
  /** What was expected and what was found. */
  message: string;
  /** RFC 6901 pointer to the value being parsed when the error occurred ("" = root). */
  pointer: string;
  /** 1-based line of the offending input position. */
  line: number;
  /** 1-based column, counted in Unicode code points. */
  column: number;
  /** 0-based offset in UTF-16 code units into the decoded text. */
  offset: number;
}

/** Result of {@link parseJSONStrict}: hostile input never throws. */
export type JSONParseResult =
  | { ok: true; value: JSONValue }
  | { ok: false; error: JSONParseProblem };
