/**
 * RFC 8785 JSON Canonicalization Scheme (JCS).
 *
 * The canonical form is what the index signature covers (DESIGN §4.1,
 * docs/FORMAT.md "Index signatures"), so it must be byte-exact with every other
 * JCS implementation. It is checked against the cyberphone/json-canonicalization
 * test data and, differentially, against the RFC author's npm package.
 *
 * What this module serializes: the JSON data model and nothing else.
 * - `null`, booleans, finite numbers, strings, arrays, plain objects (prototype
 *   `Object.prototype` or `null`).
 * - Member names are sorted by UTF-16 code units (RFC 8785 §3.2.3).
 * - Numbers use ECMAScript `Number::toString` (RFC 8785 §3.2.2.3); `-0` → `0`.
 * - Strings are escaped as RFC 8785 §3.2.2.2: `\b \t \n \f \r`, other C0
 *   controls as lowercase `\u00xx`, `"` and `\\`; everything else raw.
 *
 * What it refuses, with an {@link InputError} coded `JCS_UNREPRESENTABLE`
 * (a caller bug — hostile *bytes* are rejected earlier by the strict parser):
 * NaN, ±Infinity, `undefined` (as a value, a member value or an array hole),
 * functions, symbols, bigint, lone UTF-16 surrogates in strings or member
 * names (RFC 8785 §3.2.2.2 requires well-formed Unicode), non-plain objects
 * (Date, Map, boxed primitives, class instances, typed arrays, Array
 * subclasses), cyclic structures and nesting deeper than {@link JCS_MAX_DEPTH}.
 * Members are an object's own enumerable string-keyed properties (as for
 * `JSON.stringify`); symbol-keyed and non-enumerable properties are not JSON
 * members and are not looked at — `JSON.parse` never creates them, and
 * checking every object for them would cost ~8% of the run time.
 *
 * `toJSON` is deliberately **not** honoured: JCS here is the canonical form of
 * *data* that was signed, not of whatever objects a caller happens to hold.
 * Honouring `toJSON` would let a value's class decide the signed bytes (a Date
 * would silently become a string, an object could serialize as something else
 * on each call), so two parties holding "the same" value could sign different
 * bytes. Data that went through `JSON.parse` has no `toJSON`; anything that
 * has one is refused as a non-plain object, or — on a plain object — is a
 * function-valued member and refused as such.
 *
 * Design for speed (≥ 1.5× the `canonicalize` npm package, see
 * bench/jcs.bench.mjs): plain recursion with a depth counter instead of an
 * explicit frame stack; no per-node `Set` for cycle detection — a cycle is
 * infinite depth, so the depth guard stops it and a slow diagnostic pass only
 * runs on that error path to tell "cyclic" from "too deep"; a single regex test
 * lets strings without anything to escape skip `JSON.stringify`; a per-call
 * cache of serialized member names (the same few names repeat in every plugin
 * and release); insertion sort for small objects; and chunked flattening of
 * large outputs (see {@link CHUNK}).
 *
 * Pure, synchronous, no dependencies: runs unchanged in Node and browsers.
 *
 * @module
 */
import { InputError } from './errors.js';

/**
 * Deepest nesting of arrays/objects {@link canonicalize} accepts (the
 * top-level container is depth 1). Far above anything the strict parser lets
 * through (its default is 64) and far below the call-stack limit, so hostile
 * depth ends in a coded error instead of a `RangeError` stack overflow.
 */
export const JCS_MAX_DEPTH = 1000;

/**
 * A string needs more than surrounding quotes if it holds a C0 control, `"`,
 * `\` (RFC 8785 §3.2.2.2 escapes) or any surrogate code unit (which must be
 * checked for pairing). Without the `u` flag the class matches code units.
 */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE_OR_CHECK = /[\u0000-\u001f"\\\ud800-\udfff]/;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why the fast path stopped; turned into an {@link InputError} by {@link canonicalize}. */
class Unrepresentable {
  /** JSON Pointer segments, innermost last; filled while the error unwinds. */
  readonly segments: string[] = [];
  constructor(
    readonly reason: string,
    readonly tooDeep = false,
  ) {}
}

/**
 * Output chunking. V8 builds `a += b` as a rope (one small "cons" cell per
 * concatenation). While the output is small, ropes are the cheapest builder.
 * Once it is large, millions of cons cells survive young-generation
 * collections and are copied again and again; at 10k plugins that costs more
 * than the serialization itself. So the first {@link FIRST_CHUNK} code units
 * stay a plain rope, and from then on every ~{@link CHUNK} code units are
 * flattened (`charCodeAt` forces V8 to flatten) while their cells are still
 * young, and appended to `done`. Engines without ropes lose nothing.
 */
const FIRST_CHUNK = 2 * 1024 * 1024;
const CHUNK = 32 * 1024;

/** Per-call state (never module-level, so a re-entrant call cannot corrupt it). */
interface Writer {
  /** The chunk being built. */
  out: string;
  /** Finished, flattened chunks. */
  done: string;
  /** Flush `out` into `done` when it grows beyond this many code units. */
  limit: number;
  /** member name → `"escaped name":` (the same few names repeat in every plugin). */
  names: Map<string, string>;
}

/** Move the current chunk into `done` (see {@link CHUNK}). */
function flush(w: Writer): void {
  w.out.charCodeAt(0);
  w.done += w.out;
  w.out = '';
  w.limit = CHUNK;
}

/**
 * Serialize a string per RFC 8785 §3.2.2.2. `JSON.stringify` of a
 * well-formed string produces exactly the RFC's escapes (the RFC defines them
 * by ECMAScript's QuoteJSONString); only lone surrogates differ (it writes
 * `\udXXX`), so they are refused before it runs.
 */
function quote(s: string, what: string): string {
  if (!NEEDS_ESCAPE_OR_CHECK.test(s)) return '"' + s + '"';
  if (LONE_SURROGATE.test(s)) {
    throw new Unrepresentable(`${what} contains a lone UTF-16 surrogate (RFC 8785 §3.2.2.2 needs well-formed Unicode)`);
  }
  return JSON.stringify(s);
}

/** What a non-JSON value is, for messages. */
function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'bigint') return 'a bigint';
  if (typeof v === 'symbol') return 'a symbol';
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'object' && v !== null) {
    const proto: unknown = Object.getPrototypeOf(v);
    const ctor = proto !== null && typeof proto === 'object' ? (proto as { constructor?: unknown }).constructor : undefined;
    const name = typeof ctor === 'function' && ctor.name !== '' ? ctor.name : 'an exotic object';
    return `a non-plain object (${name})`;
  }
  return typeof v;
}

/** Append the canonical form of `v` at nesting `depth` (containers above it). */
function writeValue(w: Writer, v: unknown, depth: number): void {
  switch (typeof v) {
    case 'string':
      w.out += quote(v, 'string');
      return;
    case 'number':
      // RFC 8785 §3.2.2.3: ECMAScript Number::toString; String(-0) is "0".
      if (!Number.isFinite(v)) throw new Unrepresentable(`number ${describe(v)} has no JSON form (RFC 8785 §3.2.2.3)`);
      w.out += String(v);
      return;
    case 'boolean':
      w.out += v ? 'true' : 'false';
      return;
    case 'object':
      if (v === null) {
        w.out += 'null';
        return;
      }
      if (depth >= JCS_MAX_DEPTH) {
        throw new Unrepresentable(`nesting is deeper than ${JCS_MAX_DEPTH}`, true);
      }
      if (Array.isArray(v)) {
        if (Object.getPrototypeOf(v) !== Array.prototype) throw new Unrepresentable(`${describe(v)} is not JSON data`);
        writeArray(w, v as unknown[], depth + 1);
        return;
      }
      {
        const proto: unknown = Object.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== null) throw new Unrepresentable(`${describe(v)} is not JSON data`);
      }
      writeObject(w, v as Record<string, unknown>, depth + 1);
      return;
    default:
      throw new Unrepresentable(`${describe(v)} has no JSON form`);
  }
}

/** Append an array (RFC 8785 §3.2.1: element order is kept). */
function writeArray(w: Writer, a: unknown[], depth: number): void {
  const n = a.length;
  let i = 0;
  try {
    w.out += '[';
    for (; i < n; i++) {
      if (i !== 0) w.out += ',';
      const e = a[i];
      if (e === undefined) {
        throw new Unrepresentable(i in a ? 'undefined has no JSON form' : 'a sparse array hole has no JSON form');
      }
      writeValue(w, e, depth);
      if (w.out.length > w.limit) flush(w);
    }
    w.out += ']';
  } catch (err) {
    if (err instanceof Unrepresentable) err.segments.push(String(i));
    throw err;
  }
}

/**
 * Sort member names by UTF-16 code units (RFC 8785 §3.2.3) in place. Both
 * JavaScript's `<` on strings and `Array.prototype.sort` without a comparator
 * compare code unit by code unit, which is exactly the RFC order (not code
 * points, not locale). Insertion sort is faster for the handful of members a
 * typical object has; larger objects use the built-in O(n log n) sort.
 */
function sortMemberNames(keys: string[]): string[] {
  const n = keys.length;
  if (n > 16) return keys.sort();
  for (let i = 1; i < n; i++) {
    const x = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > x) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = x;
  }
  return keys;
}

/** Append an object with its member names in UTF-16 code-unit order (RFC 8785 §3.2.3). */
function writeObject(w: Writer, o: Record<string, unknown>, depth: number): void {
  const keys = sortMemberNames(Object.keys(o));
  const names = w.names;
  let k = '';
  try {
    w.out += '{';
    for (let i = 0; i < keys.length; i++) {
      k = keys[i] as string;
      let name = names.get(k);
      if (name === undefined) {
        name = quote(k, 'member name') + ':';
        names.set(k, name);
      }
      w.out += i === 0 ? name : ',' + name;
      const v = o[k];
      if (v === undefined) throw new Unrepresentable('undefined has no JSON form');
      writeValue(w, v, depth);
    }
    w.out += '}';
  } catch (err) {
    if (err instanceof Unrepresentable) err.segments.push(k);
    throw err;
  }
}

/** RFC 6901 pointer from segments collected innermost-first. */
function pointerOf(segments: readonly string[]): string {
  let p = '';
  for (let i = segments.length - 1; i >= 0; i--) {
    p += '/' + (segments[i] as string).replace(/~/g, '~0').replace(/\//g, '~1');
  }
  return p;
}

/** One level of the {@link hasCycle} walk. */
interface CycleFrame {
  node: object;
  children: unknown[];
  next: number;
}

/**
 * Error path only: does `root` contain a container that is its own ancestor?
 * Iterative DFS bounded by {@link JCS_MAX_DEPTH} + 1 levels, so it terminates
 * on cyclic input and never overflows the stack. A container already explored
 * at the same or a shallower depth is not entered again, so a DAG of shared
 * sub-trees (`x = [x, x]` repeated) costs polynomial, not exponential, time.
 * It only picks the message ("cyclic" or "too deep"); the code is the same.
 */
function hasCycle(root: unknown): boolean {
  if (root === null || typeof root !== 'object') return false;
  const onPath = new Set<object>([root]);
  const exploredAt = new Map<object, number>([[root, 1]]);
  const stack: CycleFrame[] = [{ node: root, children: Object.values(root), next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as CycleFrame;
    if (top.next >= top.children.length || stack.length > JCS_MAX_DEPTH) {
      onPath.delete(top.node);
      stack.pop();
      continue;
    }
    const child = top.children[top.next++];
    if (child === null || typeof child !== 'object') continue;
    if (onPath.has(child)) return true;
    const depth = stack.length + 1;
    const before = exploredAt.get(child);
    if (before !== undefined && before <= depth) continue;
    exploredAt.set(child, depth);
    onPath.add(child);
    stack.push({ node: child, children: Object.values(child), next: 0 });
  }
  return false;
}

/** Turn the fast path's failure into the public error. */
function toInputError(value: unknown, u: Unrepresentable): InputError {
  let reason = u.reason;
  let pointer = pointerOf(u.segments);
  if (u.tooDeep && hasCycle(value)) {
    reason = 'the structure is cyclic';
    pointer = '';
  }
  // A thousand-segment pointer helps nobody in a message; `detail` keeps it whole.
  const shown = pointer.length > 200 ? `${pointer.slice(0, 200)}…` : pointer;
  const where = pointer === '' ? '' : ` at ${JSON.stringify(shown)}`;
  return new InputError('JCS_UNREPRESENTABLE', `RFC 8785 canonical JSON: ${reason}${where}`, { pointer, reason });
}

/**
 * Serialize a JSON value to its RFC 8785 (JCS) canonical form.
 *
 * @param value - JSON data: `null`, boolean, finite number, string, array or
 *   plain object, nested at most {@link JCS_MAX_DEPTH} levels.
 * @returns The canonical JSON text (no whitespace, sorted member names).
 * @throws {InputError} `JCS_UNREPRESENTABLE` if `value` (or anything inside
 *   it) has no canonical JSON form: NaN, ±Infinity, undefined, a function, a
 *   symbol, a bigint, a lone surrogate in a string or member name, a
 *   non-plain object, a sparse array hole, a cycle, or excess depth.
 *   `detail` is `{ pointer, reason }` with an RFC 6901 pointer to the
 *   offending value. `toJSON` is never called.
 * @example
 * ```ts
 * canonicalize({ b: [1, 'x'], a: -0, '€': 1e30 });
 * // '{"a":0,"b":[1,"x"],"€":1e+30}'
 * ```
 */
export function canonicalize(value: unknown): string {
  const w: Writer = { out: '', done: '', limit: FIRST_CHUNK, names: new Map() };
  try {
    writeValue(w, value, 0);
  } catch (err) {
    if (err instanceof Unrepresentable) throw toInputError(value, err);
    throw err;
  }
  return w.done + w.out;
}

const UTF8 = new TextEncoder();

/**
 * The UTF-8 bytes of {@link canonicalize}`(value)` — what gets hashed or
 * signed (RFC 8785 §3.2.4: the canonical form is UTF-8 encoded).
 *
 * @param value - JSON data, as for {@link canonicalize}.
 * @returns A fresh `Uint8Array` holding the UTF-8 encoding of the canonical text.
 * @throws {InputError} `JCS_UNREPRESENTABLE`, as {@link canonicalize}.
 * @example
 * ```ts
 * canonicalizeToBytes({ a: 'é' }); // Uint8Array [123,34,97,34,58,34,195,169,34,125]
 * ```
 */
export function canonicalizeToBytes(value: unknown): Uint8Array {
  // Lone surrogates were refused, so TextEncoder never substitutes U+FFFD.
  return UTF8.encode(canonicalize(value));
}
