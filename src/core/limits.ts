/**
 * Size caps of every file the toolkit reads — one home, so the build, the
 * validator, the verifier and the installer agree (a `build` that writes an
 * index larger than the verifier reads would break every operator's install).
 *
 * The install policy may lower or raise the network caps per host
 * (`limits.max_index_bytes`, …; docs/INSTALL-POLICY.md); these are its
 * defaults and the caps for local files.
 *
 * @module
 */

const MiB = 1024 * 1024;

/** A signed index (`plugins.json`): build refuses to write more, verify and install refuse to read more. */
export const INDEX_MAX_BYTES = 64 * MiB;
/** One entry file (`index/publishers/*.json`, `index/plugins/*.json`). */
export const ENTRY_MAX_BYTES = 4 * MiB;
/** `index/revocations.json`. */
export const REVOCATIONS_MAX_BYTES = 16 * MiB;
/** A plugin manifest (real ones are a few KiB). */
export const MANIFEST_MAX_BYTES = 1 * MiB;
/** A v2 bundle fetched by `install` (the server caps bundles at 64 MiB). */
export const BUNDLE_MAX_BYTES = 64 * MiB;
/** A local artifact hashed by the publisher tools (streamed, never held in memory). */
export const LOCAL_ARTIFACT_MAX_BYTES = 1024 * MiB;
/** An install policy or a server trust policy. */
export const POLICY_MAX_BYTES = 1 * MiB;
/** `.github/CODEOWNERS`. */
export const CODEOWNERS_MAX_BYTES = 1 * MiB;
