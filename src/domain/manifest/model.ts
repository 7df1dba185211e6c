/**
 * Typed model of a Lattice plugin manifest, v1 and v2 (interop §A.2, §A.3).
 *
 * The model mirrors the server's Go structs field for field, in struct order,
 * under their JSON names, so that the signing payload can be produced from it
 * with explicit field lists (never by re-serialising parsed JSON, §I.1).
 *
 * Go distinctions that reach the payload bytes are kept:
 * - a Go *pointer* to a struct is `T | null` (`null` = nil; a non-nil pointer
 *   is always written, even `{}`, §B.3 rule 2);
 * - the four never-omitted slices/maps (`capabilities`, `runtime.entrypoints`,
 *   `host_access.rpc[].methods`, interface `methods`) and `interfaces` (whose
 *   `[]` vs `null` shows in the v1 payload, §B.1) are `T[] | null` / `Map | null`;
 * - other slices are omitempty, where nil and empty encode alike, so they are
 *   plain arrays (`[]` = absent);
 * - strings are `''` when absent (Go's zero value), booleans `false`.
 *
 * @module
 */

/** `schema` of a v2 manifest; v1 manifests have an empty schema (§A.2 row 1). */
export const MANIFEST_SCHEMA_V2 = 'lattice.plugin.manifest.v2';
/** The only bundle format (§A.4.1 step 5). */
export const BUNDLE_FORMAT_TAR_GZIP = 'tar+gzip';
/**
 * The plugin types the server knows (§A.4 step 5) — one list, in core
 * (src/core/index/types.ts). The model's `type` field stays a `string`
 * because hostile input may hold anything.
 */
export { PLUGIN_TYPES, type PluginType } from '../../core/index/types.js';
import type { PluginType } from '../../core/index/types.js';

/** `BundleSpec` (§A.3.1). Neither field is omitempty. */
export interface BundleSpec {
  format: string;
  digest_sha256: string;
}

/** `RuntimeSpec` (§A.3.2). `entrypoints` is never omitted: `null` encodes as `null`. */
export interface RuntimeSpec {
  protocol: string;
  /** platform → bundle path; encoded with keys sorted byte-wise (§B.3 rule 4). */
  entrypoints: Map<string, string> | null;
}

/** `UIRuntimeSpec` (§A.3.3). No field is omitempty. */
export interface UIRuntimeSpec {
  mode: string;
  entrypoint: string;
  bridge_version: string;
}

/** `CompatibilitySpec` (§A.3.4). No field is omitempty; informational only (§D.3). */
export interface CompatibilitySpec {
  server: string;
  dashboard_host: string;
  runtime_protocol: string;
}

/** `RPCDependency` (§A.3.5). `methods` is never omitted. */
export interface RPCDependency {
  service: string;
  methods: string[] | null;
}

/** `HostAccessSpec` (§A.3.5). `rpc` is omitempty. */
export interface HostAccessSpec {
  rpc: RPCDependency[];
}

/** `NavContribution` (§A.3.6). */
export interface NavContribution {
  section: string;
  /** omitempty */
  section_title: string;
  title: string;
  route: string;
  /** omitempty */
  icon: string;
  /** omitempty */
  scopes: string[];
}

/** `ViewSource` (§A.3.7). */
export interface ViewSource {
  interface: string;
  method: string;
}

/** `ViewColumn` (§A.3.7). */
export interface ViewColumn {
  key: string;
  label: string;
  /** omitempty */
  render: string;
}

/** `ViewFormField` (§A.3.7). */
export interface ViewFormField {
  key: string;
  /** omitempty */
  label: string;
  kind: string;
  /** omitempty */
  options: string[];
}

/** `ViewAction` (§A.3.7). */
export interface ViewAction {
  label: string;
  interface: string;
  method: string;
  /** omitempty */
  form: ViewFormField[];
  /** omitempty */
  scopes: string[];
}

/** `ViewContribution` (§A.3.7). */
export interface ViewContribution {
  route: string;
  title: string;
  kind: string;
  /**
   * Legacy-07 servers only (§0, §A.3.7; omitempty, written after `kind`).
   * Current servers reject the key at decode; {@link decodeManifest} fills it
   * only when asked to read historical manifests (`legacyComponentKey`).
   */
  component_key?: string;
  source: ViewSource | null;
  /** omitempty */
  columns: ViewColumn[];
  /** omitempty */
  actions: ViewAction[];
}

/** `ManifestUI` (§A.3.6). Both lists are omitempty; a non-null `ui` is written even when `{}`. */
export interface ManifestUI {
  nav: NavContribution[];
  views: ViewContribution[];
}

/**
 * `InvokeBudgetSpec` (§A.3.10, §D.10): four Go `int`s, always written, and —
 * on server versions whose rules list it (integration-2026-09,
 * lattice-server-2026-09.md item 1) — `http_response_bytes`, a Go `int` with
 * omitempty, declared after `host_calls`: absent or `0` means "not declared"
 * (the default applies) and is never written, so older signatures keep their bytes.
 */
export interface InvokeBudgetSpec {
  timeout_ms: number;
  stdout_bytes: number;
  stderr_bytes: number;
  host_calls: number;
  /** omitempty; only decoded on versions that know the field; positive when present. */
  http_response_bytes?: number;
}

/** `InterfaceMethod` (§A.3.9), the typed (v2) method form. */
export interface InterfaceMethod {
  name: string;
  effect: string;
  /** omitempty */
  scopes: string[];
  /** omitempty */
  operator_target_fields: string[];
  /** omitempty pointer */
  budget: InvokeBudgetSpec | null;
}

/**
 * String-form interface contract (v1; also what Go decodes when `methods` is
 * absent, `null`, or an array of strings/nulls — §A.3.8).
 */
export interface StringMethodsContract {
  service: string;
  typed: false;
  /** Never omitted: `null` encodes as `null`, `[]` as `[]`. */
  methods: string[] | null;
  /** omitempty */
  scopes: string[];
  /** omitempty; `runtime` or `core` on v2 */
  backing: string;
}

/** Typed-form interface contract (v2; `methods` were objects — §A.3.8). */
export interface TypedMethodsContract {
  service: string;
  typed: true;
  /** Never omitted: `null` encodes as `null`. */
  methods: InterfaceMethod[] | null;
  /** omitempty */
  scopes: string[];
  /** omitempty */
  backing: string;
}

/** `InterfaceContract`, the two-form model of §A.3.8. */
export type InterfaceContract = StringMethodsContract | TypedMethodsContract;

/** `DependencySpec` (§A.3.11, §D.5). */
export interface DependencySpec {
  id: string;
  /** omitempty; a range in the grammar of §D.4 */
  version: string;
  /** omitempty (`false` is never written) */
  optional: boolean;
}

/**
 * The server's `Manifest` struct (§A.2), fields in struct order.
 * v1 manifests have `schema === ''`; v2 manifests have {@link MANIFEST_SCHEMA_V2}.
 */
export interface Manifest {
  /** omitempty */
  schema: string;
  id: string;
  name: string;
  type: string;
  /** Never omitted: `null` (absent) encodes as `null`, `[]` as `[]`. */
  capabilities: string[] | null;
  /** omitempty */
  version: string;
  /** omitempty; v1 only */
  entrypoint: string;
  /** omitempty */
  publisher: string;
  /** omitempty; v1 only */
  digest_sha256: string;
  /** omitempty; never part of the signing payload */
  signature_ed25519: string;
  bundle: BundleSpec | null;
  runtime: RuntimeSpec | null;
  ui_runtime: UIRuntimeSpec | null;
  compatibility: CompatibilitySpec | null;
  /** omitempty */
  min_server: string;
  host_access: HostAccessSpec | null;
  ui: ManifestUI | null;
  /** omitempty; `null` vs `[]` matters only in the v1 payload (§B.1) */
  interfaces: InterfaceContract[] | null;
  /** omitempty */
  dependencies: DependencySpec[];
}

/**
 * A manifest with every field at its Go zero value (what `var m Manifest` is).
 * Useful for building manifests in code: spread it and set fields.
 * @example const m = { ...emptyManifest(), id: 'acme.tool', name: 'Tool', type: 'system', capabilities: ['kv:read'] }
 */
export function emptyManifest(): Manifest {
  return {
    schema: '',
    id: '',
    name: '',
    type: '',
    capabilities: null,
    version: '',
    entrypoint: '',
    publisher: '',
    digest_sha256: '',
    signature_ed25519: '',
    bundle: null,
    runtime: null,
    ui_runtime: null,
    compatibility: null,
    min_server: '',
    host_access: null,
    ui: null,
    interfaces: null,
    dependencies: [],
  };
}

/** True for a v2 manifest (`schema` is exactly {@link MANIFEST_SCHEMA_V2}). */
export function isManifestV2(m: Manifest): boolean {
  return m.schema === MANIFEST_SCHEMA_V2;
}

/**
 * The artifact digest the signature binds (server `manifestArtifactDigest`,
 * §C.5 step 3): `bundle.digest_sha256` for v2 with a bundle, else `digest_sha256`.
 * @returns the digest as written (case preserved), or `''`.
 */
export function manifestArtifactDigest(m: Manifest): string {
  if (m.schema === MANIFEST_SCHEMA_V2 && m.bundle !== null) return m.bundle.digest_sha256;
  return m.digest_sha256;
}

/**
 * The effective methods of a contract (server `effectiveMethods`, §A.4.3 step 4):
 * typed methods as declared; string methods become `{name, effect: "read", scopes: contract scopes}`.
 */
export function effectiveMethods(c: InterfaceContract): InterfaceMethod[] {
  if (c.typed) return c.methods ?? [];
  return (c.methods ?? []).map((name) => ({
    name,
    effect: 'read',
    scopes: c.scopes,
    operator_target_fields: [],
    budget: null,
  }));
}

/**
 * A deep copy of a manifest (maps and arrays included), for callers that
 * want to modify one without touching the original.
 */
export function cloneManifest(m: Manifest): Manifest {
  return {
    ...m,
    capabilities: m.capabilities === null ? null : [...m.capabilities],
    bundle: m.bundle === null ? null : { ...m.bundle },
    runtime:
      m.runtime === null
        ? null
        : { protocol: m.runtime.protocol, entrypoints: m.runtime.entrypoints === null ? null : new Map(m.runtime.entrypoints) },
    ui_runtime: m.ui_runtime === null ? null : { ...m.ui_runtime },
    compatibility: m.compatibility === null ? null : { ...m.compatibility },
    host_access:
      m.host_access === null
        ? null
        : { rpc: m.host_access.rpc.map((r) => ({ service: r.service, methods: r.methods === null ? null : [...r.methods] })) },
    ui:
      m.ui === null
        ? null
        : {
            nav: m.ui.nav.map((n) => ({ ...n, scopes: [...n.scopes] })),
            views: m.ui.views.map((v) => ({
              ...v,
              source: v.source === null ? null : { ...v.source },
              columns: v.columns.map((c) => ({ ...c })),
              actions: v.actions.map((a) => ({
                ...a,
                form: a.form.map((f) => ({ ...f, options: [...f.options] })),
                scopes: [...a.scopes],
              })),
            })),
          },
    interfaces: m.interfaces === null ? null : m.interfaces.map(cloneContract),
    dependencies: m.dependencies.map((d) => ({ ...d })),
  };
}

function cloneContract(c: InterfaceContract): InterfaceContract {
  if (c.typed) {
    return {
      ...c,
      scopes: [...c.scopes],
      methods:
        c.methods === null
          ? null
          : c.methods.map((x) => ({
              ...x,
              scopes: [...x.scopes],
              operator_target_fields: [...x.operator_target_fields],
              budget: x.budget === null ? null : { ...x.budget },
            })),
    };
  }
  return { ...c, scopes: [...c.scopes], methods: c.methods === null ? null : [...c.methods] };
}
