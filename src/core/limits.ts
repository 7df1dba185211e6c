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

/** Repository v2 (TUF): largest root metadata file a client fetches (python-tuf's and tuf-js's default). */
export const REPO_ROOT_MAX_BYTES = 512_000;
/** Repository v2: largest `timestamp.json`. */
export const REPO_TIMESTAMP_MAX_BYTES = 16_384;
/** Repository v2: largest snapshot when the timestamp gives no length. */
export const REPO_SNAPSHOT_MAX_BYTES = 4 * MiB;
/** Repository v2: largest targets role (top-level or a bin) when the snapshot gives no length. */
export const REPO_TARGETS_MAX_BYTES = 8 * MiB;
/** Repository v2: most root versions one update walks (python-tuf's and tuf-js's default). */
export const REPO_MAX_ROOT_ROTATIONS = 256;
/** Repository v2: most delegated roles one target lookup visits (python-tuf's and tuf-js's default). */
export const REPO_MAX_DELEGATIONS = 32;
/** Repository v2: largest Lattice document target (a plugin with its publisher and revocations). */
export const REPO_ENTRY_TARGET_MAX_BYTES = 8 * MiB;

/**
 * A plugin's `description_md` (docs/FORMAT.md "Plugin"): the long description
 * the catalog renders as Markdown. 16 KiB of UTF-8 is a long README's worth;
 * the cap bounds the index (every byte is signed and downloaded by v1
 * clients) and the renderer's work.
 */
export const DESCRIPTION_MD_MAX_BYTES = 16_384;
/**
 * A release's `notes_md` (docs/FORMAT.md "Release"): what changed, as
 * Markdown. Notes are immutable once published, so they stay short.
 */
export const NOTES_MD_MAX_BYTES = 4_096;
