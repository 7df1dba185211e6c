import { fileURLToPath } from 'node:url';

/** Absolute path of the shared known-answer vectors (`../shared/vectors/` from the project root). Never copy them into the project. */
export const VECTORS = fileURLToPath(new URL('../../shared/vectors/', import.meta.url));
