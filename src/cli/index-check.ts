/**
 * Read-parse-validate of one index file, shared by `lattice-index validate`,
 * `lattice-index build` and the dependency-free `scripts/validate-index.mjs`.
 *
 * @module
 */
import { INDEX_MAX_BYTES } from '../core/limits.js';
import { parseJSONStrict } from '../core/json/strict.js';
import { createPointerLocator, locatePointer } from '../core/json/locate.js';
import { validateIndex } from '../core/index/validate.js';

/** One problem with its place in the file. */
export interface LocatedProblem {
  instancePath: string;
  code: string;
  message: string;
  line?: number;
  column?: number;
}

/** Outcome of checking one index file's text. */
export type IndexFileCheck =
  | { kind: 'not-json'; problem: LocatedProblem }
  | { kind: 'checked'; problems: LocatedProblem[]; value: unknown };

/** Largest index the validator reads. */
export const MAX_INDEX_BYTES = INDEX_MAX_BYTES;

/**
 * Strict-parse and validate index bytes; every problem is located in the text.
 * @param bytes - the file content.
 * @param serverVersion - the server version (any known name) whose capability table applies.
 */
export function checkIndexBytes(bytes: Uint8Array, serverVersion?: string): IndexFileCheck {
  const parsed = parseJSONStrict(bytes, { maxBytes: MAX_INDEX_BYTES });
  if (!parsed.ok) {
    const e = parsed.error;
    return {
      kind: 'not-json',
      problem: { instancePath: e.pointer, code: e.code, message: e.message, line: e.line, column: e.column },
    };
  }
  const problems = validateIndex(parsed.value, serverVersion ? { serverVersion } : {});
  if (problems.length === 0) return { kind: 'checked', problems: [], value: parsed.value };
  const text = new TextDecoder().decode(bytes);
  // A few problems: one targeted scan each. Many: one scan for all (a hostile file can hold thousands).
  const locate = problems.length <= 8 ? (ptr: string) => locatePointer(text, ptr) : (createPointerLocator(text) ?? (() => null));
  return {
    kind: 'checked',
    value: parsed.value,
    problems: problems.map((p) => ({ ...p, ...(locate(p.instancePath) ?? {}) })),
  };
}

/** `file:line:column: message [code at pointer]` — one line per problem. */
export function formatProblem(file: string, p: LocatedProblem): string {
  const where = p.line ? `${file}:${p.line}:${p.column ?? 1}` : file;
  return `${where}: ${p.message.replace(/\s*\n\s*/g, ' ')} [${p.code}${p.instancePath ? ` at ${p.instancePath}` : ''}]`;
}
