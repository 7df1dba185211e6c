/**
 * A starting v2 manifest for `lattice-index manifest init`: everything the
 * server requires, filled in with safe defaults, so a newcomer edits fields
 * instead of discovering them one error at a time. The bundle digest is left
 * empty: `manifest sign --artifact BUNDLE` fills it (§C.7 step 2).
 *
 * @module
 */
import { BUNDLE_FORMAT_TAR_GZIP, MANIFEST_SCHEMA_V2, emptyManifest, type Manifest, type PluginType } from './model.js';

/** What {@link manifestTemplate} needs. */
export interface ManifestTemplateOptions {
  id: string;
  name: string;
  publisher: string;
  type: PluginType;
  version: string;
  capabilities: readonly string[];
  /** Platforms to list runtime entrypoints for (`<goos>/<goarch>`). */
  platforms: readonly string[];
}

/** The entrypoint path inside the bundle, per plugin type (the demo plugins' and the packer's layout). */
function entrypoint(type: PluginType, platform: string): string {
  if (type === 'wasm') return 'bin/wasm/plugin.wasm';
  if (type === 'worker') return 'bin/worker/worker.js';
  return `bin/${platform.replace('/', '-')}/plugin`;
}

/**
 * A v2 manifest with the given identity and the defaults of a plain plugin:
 * `stdio-json-v1` runtime, one entrypoint per platform, compatibility
 * `server >=0.2.1`, `dashboard_host >=1`, `runtime_protocol >=1`, no UI.
 *
 * @param opts - identity, type, capabilities, platforms.
 * @returns the manifest (unsigned, empty bundle digest).
 */
export function manifestTemplate(opts: ManifestTemplateOptions): Manifest {
  const m = emptyManifest();
  m.schema = MANIFEST_SCHEMA_V2;
  m.id = opts.id;
  m.name = opts.name;
  m.type = opts.type;
  m.capabilities = [...opts.capabilities];
  m.version = opts.version;
  m.publisher = opts.publisher;
  m.bundle = { format: BUNDLE_FORMAT_TAR_GZIP, digest_sha256: '' };
  m.runtime = {
    protocol: 'stdio-json-v1',
    entrypoints: new Map([...opts.platforms].sort().map((p) => [p, entrypoint(opts.type, p)])),
  };
  m.compatibility = { server: '>=0.2.1', dashboard_host: '>=1', runtime_protocol: '>=1' };
  return m;
}
