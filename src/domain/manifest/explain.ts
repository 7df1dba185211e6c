/**
 * Where a server validation error points. Some of the server's messages
 * name a group of fields (`manifest v2 compatibility fields must be printable
 * non-empty values`); the text must stay the server's, byte for byte, so the
 * field is returned beside it as a JSON pointer for tools to show
 * (`… [at /compatibility/dashboard_host]`).
 *
 * @module
 */
import type { Manifest } from './model.js';
import { boundedContractValue } from './validate.js';

/**
 * The JSON pointer of the field a validation message is about, when the
 * message alone does not say.
 *
 * @param m - the manifest that failed.
 * @param message - the server's text from `validateManifest`.
 * @returns a pointer such as `/compatibility/dashboard_host`, or `undefined`.
 */
export function manifestProblemPointer(m: Manifest, message: string): string | undefined {
  switch (message) {
    case 'plugin id and name are required':
      return m.id === '' ? '/id' : '/name';
    case 'manifest v2 compatibility is required':
      return '/compatibility';
    case 'manifest v2 compatibility fields must be printable non-empty values': {
      const c = m.compatibility;
      if (c === null) return '/compatibility';
      for (const k of ['server', 'dashboard_host', 'runtime_protocol'] as const) if (!boundedContractValue(c[k])) return `/compatibility/${k}`;
      return '/compatibility';
    }
    case 'plugin name must be printable and at most 80 characters':
      return '/name';
    default:
      return undefined;
  }
}
