/**
 * Signing payloads and Go `json.Marshal` output for Lattice manifests
 * (interop §B.1–§B.5), built from the typed model with explicit field lists in
 * Go struct order — never by re-serialising parsed JSON (§I.1).
 *
 * - v1: newline-joined fields, NUL-joined sorted capabilities, the ui and
 *   interfaces lines only when `ui != null || interfaces.length > 0`, and the
 *   dependencies line only on server lines that append it (§B.1).
 * - v2: `"LATTICE-PLUGIN-MANIFEST-V2\n"` + compact `json.Marshal` of the
 *   manifest with `signature_ed25519` cleared (§B.2).
 *
 * Every byte matches the Go server for every manifest {@link decodeManifest}
 * accepts (tested against all payload vectors).
 *
 * @module
 */
import { rulesFromOptions } from '../../core/server-line.js';
import type { ServerLine } from '../../core/server-line.js';
import { compareUTF8, goIndent, goJSONString } from './go-json.js';
import { MANIFEST_SCHEMA_V2 } from './model.js';
import type {
  BundleSpec,
  CompatibilitySpec,
  DependencySpec,
  HostAccessSpec,
  InterfaceContract,
  InterfaceMethod,
  InvokeBudgetSpec,
  Manifest,
  ManifestUI,
  NavContribution,
  RPCDependency,
  RuntimeSpec,
  UIRuntimeSpec,
  ViewAction,
  ViewColumn,
  ViewContribution,
  ViewFormField,
} from './model.js';

/** First line of every v2 signing payload (§B.2). */
export const MANIFEST_V2_PAYLOAD_PREFIX = 'LATTICE-PLUGIN-MANIFEST-V2\n';
/** First field of every v1 signing payload (§B.1). */
export const MANIFEST_V1_PAYLOAD_TAG = 'lattice-plugin-manifest-v1';

/** Options shared by the payload functions. */
export interface PayloadOptions {
  /** Server line (branch alias) whose payload rules apply (v1 dependencies line, §B.1). Default `integration`. */
  serverLine?: ServerLine;
  /** Any known server version name; the same as `serverLine` with that name. */
  serverVersion?: string;
}

const utf8 = new TextEncoder();

// ---- compact Go json.Marshal, one writer per struct (§A.2/§A.3 order, §B.3) ----

/** Accumulates `"key":value` members of one Go struct in declaration order. */
class StructWriter {
  private parts: string[] = [];
  /** A field without omitempty: always written. */
  field(key: string, encoded: string): this {
    this.parts.push(goJSONString(key) + ':' + encoded);
    return this;
  }
  /** A string field with omitempty: dropped when `''`. */
  str(key: string, value: string, omitempty = false): this {
    if (omitempty && value === '') return this;
    return this.field(key, goJSONString(value));
  }
  /** A slice field with omitempty: dropped when empty (nil and `[]` alike). */
  list<T>(key: string, values: readonly T[] | null, enc: (v: T) => string): this {
    if (values === null || values.length === 0) return this;
    return this.field(key, encodeArray(values, enc));
  }
  /** A pointer field with omitempty: dropped only when nil; `{}` is written (§B.3 rule 2). */
  ptr<T>(key: string, value: T | null, enc: (v: T) => string): this {
    if (value === null) return this;
    return this.field(key, enc(value));
  }
  done(): string {
    return '{' + this.parts.join(',') + '}';
  }
}

/** A Go slice: `null` for nil, else `[...]` (used where the field has no omitempty). */
function encodeArray<T>(values: readonly T[] | null, enc: (v: T) => string): string {
  if (values === null) return 'null';
  return '[' + values.map(enc).join(',') + ']';
}

const encString = (s: string): string => goJSONString(s);

function encodeInt(n: number): string {
  // Budget ints are Go `int`: only safe integers reach here from the decoder.
  if (!Number.isSafeInteger(n)) throw new TypeError(`budget value ${String(n)} is not a safe integer`);
  return n === 0 ? '0' : String(n); // String(-0) is "0" too; explicit for clarity
}

function encodeBundle(b: BundleSpec): string {
  return new StructWriter().str('format', b.format).str('digest_sha256', b.digest_sha256).done();
}

function encodeStringMap(m: ReadonlyMap<string, string> | null): string {
  if (m === null) return 'null';
  // Go sorts map keys byte-wise over UTF-8 (§B.3 rule 4), not by UTF-16 units.
  const keys = [...m.keys()].sort(compareUTF8);
  return '{' + keys.map((k) => goJSONString(k) + ':' + goJSONString(m.get(k)!)).join(',') + '}';
}

function encodeRuntime(r: RuntimeSpec): string {
  return new StructWriter().str('protocol', r.protocol).field('entrypoints', encodeStringMap(r.entrypoints)).done();
}

function encodeUIRuntime(u: UIRuntimeSpec): string {
  return new StructWriter().str('mode', u.mode).str('entrypoint', u.entrypoint).str('bridge_version', u.bridge_version).done();
}

function encodeCompatibility(c: CompatibilitySpec): string {
  return new StructWriter()
    .str('server', c.server)
    .str('dashboard_host', c.dashboard_host)
    .str('runtime_protocol', c.runtime_protocol)
    .done();
}

function encodeRPCDependency(r: RPCDependency): string {
  return new StructWriter().str('service', r.service).field('methods', encodeArray(r.methods, encString)).done();
}

function encodeHostAccess(h: HostAccessSpec): string {
  return new StructWriter().list('rpc', h.rpc, encodeRPCDependency).done();
}

function encodeNav(n: NavContribution): string {
  return new StructWriter()
    .str('section', n.section)
    .str('section_title', n.section_title, true)
    .str('title', n.title)
    .str('route', n.route)
    .str('icon', n.icon, true)
    .list('scopes', n.scopes, encString)
    .done();
}

function encodeColumn(c: ViewColumn): string {
  return new StructWriter().str('key', c.key).str('label', c.label).str('render', c.render, true).done();
}

function encodeFormField(f: ViewFormField): string {
  return new StructWriter()
    .str('key', f.key)
    .str('label', f.label, true)
    .str('kind', f.kind)
    .list('options', f.options, encString)
    .done();
}

function encodeAction(a: ViewAction): string {
  return new StructWriter()
    .str('label', a.label)
    .str('interface', a.interface)
    .str('method', a.method)
    .list('form', a.form, encodeFormField)
    .list('scopes', a.scopes, encString)
    .done();
}

function encodeView(v: ViewContribution): string {
  return new StructWriter()
    .str('route', v.route)
    .str('title', v.title)
    .str('kind', v.kind)
    .str('component_key', v.component_key ?? '', true) // legacy-07 struct only (§A.3.7)
    .ptr('source', v.source, (s) => new StructWriter().str('interface', s.interface).str('method', s.method).done())
    .list('columns', v.columns, encodeColumn)
    .list('actions', v.actions, encodeAction)
    .done();
}

function encodeUI(u: ManifestUI): string {
  return new StructWriter().list('nav', u.nav, encodeNav).list('views', u.views, encodeView).done();
}

function encodeBudget(b: InvokeBudgetSpec): string {
  const w = new StructWriter()
    .field('timeout_ms', encodeInt(b.timeout_ms))
    .field('stdout_bytes', encodeInt(b.stdout_bytes))
    .field('stderr_bytes', encodeInt(b.stderr_bytes))
    .field('host_calls', encodeInt(b.host_calls));
  // integration-2026-09 (lattice-server-2026-09.md item 1): `json:"http_response_bytes,omitempty"`,
  // declared after host_calls — written only when non-zero, so every older budget keeps its bytes.
  const http = b.http_response_bytes ?? 0;
  if (http !== 0) w.field('http_response_bytes', encodeInt(http));
  return w.done();
}

function encodeMethod(m: InterfaceMethod): string {
  return new StructWriter()
    .str('name', m.name)
    .str('effect', m.effect)
    .list('scopes', m.scopes, encString)
    .list('operator_target_fields', m.operator_target_fields, encString)
    .ptr('budget', m.budget, encodeBudget)
    .done();
}

/** `InterfaceContract.MarshalJSON` (§A.3.8): `methods` is never omitted, in either form. */
function encodeContract(c: InterfaceContract): string {
  const w = new StructWriter().str('service', c.service);
  if (c.typed) w.field('methods', encodeArray(c.methods, encodeMethod));
  else w.field('methods', encodeArray(c.methods, encString));
  return w.list('scopes', c.scopes, encString).str('backing', c.backing, true).done();
}

function encodeDependency(d: DependencySpec): string {
  const w = new StructWriter().str('id', d.id).str('version', d.version, true);
  if (d.optional) w.field('optional', 'true');
  return w.done();
}

/**
 * Go `json.Marshal(m)` of a manifest: compact, struct order, omitempty and
 * escaping exactly as the server's encoder (§B.3, §B.4).
 *
 * @param m - the manifest (typically from {@link decodeManifest}).
 * @returns the compact JSON text (no trailing newline).
 * @throws TypeError if a budget value is not a safe integer (a caller bug; the decoder never produces one).
 */
export function marshalManifest(m: Manifest): string {
  return new StructWriter()
    .str('schema', m.schema, true)
    .str('id', m.id)
    .str('name', m.name)
    .str('type', m.type)
    .field('capabilities', encodeArray(m.capabilities, encString))
    .str('version', m.version, true)
    .str('entrypoint', m.entrypoint, true)
    .str('publisher', m.publisher, true)
    .str('digest_sha256', m.digest_sha256, true)
    .str('signature_ed25519', m.signature_ed25519, true)
    .ptr('bundle', m.bundle, encodeBundle)
    .ptr('runtime', m.runtime, encodeRuntime)
    .ptr('ui_runtime', m.ui_runtime, encodeUIRuntime)
    .ptr('compatibility', m.compatibility, encodeCompatibility)
    .str('min_server', m.min_server, true)
    .ptr('host_access', m.host_access, encodeHostAccess)
    .ptr('ui', m.ui, encodeUI)
    .list('interfaces', m.interfaces, encodeContract)
    .list('dependencies', m.dependencies, encodeDependency)
    .done();
}

/**
 * The signing tools' on-disk form (§B.5): Go `json.MarshalIndent(m, "", "  ")`
 * plus `"\n"` — 2-space indent, the same escaping (`\u003e` appears on disk),
 * every omitempty field dropped (including an empty signature).
 *
 * @param m - the manifest to write.
 * @returns the file text, ending in one newline.
 * @example marshalManifestIndent(m).startsWith('{\n  "schema": ') // for v2
 */
export function marshalManifestIndent(m: Manifest): string {
  return goIndent(marshalManifest(m), '', '  ') + '\n';
}

/**
 * The server's `SigningPayload(m)` (§B.1, §B.2), byte-identical to Go.
 *
 * The payload depends only on decoded values, never on the file's formatting.
 * The signature field is ignored, so re-signing a signed manifest works.
 *
 * A v1 payload joins raw field text with `\n`; a newline inside `version` or
 * `entrypoint` (which v1 validation does not check) would shift the lines. Go
 * builds the payload regardless, and so does this function (verification
 * must see Go's bytes); {@link v1PayloadAmbiguity} names such a field, and
 * {@link verifyManifest} refuses it.
 *
 * @param m - the manifest.
 * @param opts - `serverVersion` / `serverLine` (default `integration`): from
 *   alpha-0.2.2a41 on (the `integration` branch) a v1 payload appends the
 *   dependencies line when there are dependencies; on `main` it does not
 *   (§B.1). v2 payloads are the same on every version (a field a version does
 *   not know never reaches the model from its decoder).
 * @returns the payload bytes (UTF-8).
 * @throws TypeError for an unknown server line or a non-integer budget (caller bugs).
 * @example new TextDecoder().decode(manifestSigningPayload(m)).split('\n')[0] // 'lattice-plugin-manifest-v1' for v1
 */
export function manifestSigningPayload(m: Manifest, opts: PayloadOptions = {}): Uint8Array {
  const profile = rulesFromOptions(opts);
  if (m.schema === MANIFEST_SCHEMA_V2) {
    // §B.2: a copy with the signature cleared, so it is omitted.
    return utf8.encode(MANIFEST_V2_PAYLOAD_PREFIX + marshalManifest({ ...m, signature_ed25519: '' }));
  }
  // §B.1: Go sort.Strings is byte-wise.
  const caps = [...(m.capabilities ?? [])].sort(compareUTF8);
  const fields = [
    MANIFEST_V1_PAYLOAD_TAG,
    m.id,
    m.name,
    m.type,
    m.version,
    m.entrypoint,
    m.publisher,
    m.digest_sha256,
    caps.join('\x00'),
  ];
  const interfaces = m.interfaces;
  if (m.ui !== null || (interfaces !== null && interfaces.length > 0)) {
    // json.Marshal(nil *ManifestUI) = null; json.Marshal of an empty non-nil slice = [].
    fields.push(m.ui === null ? 'null' : encodeUI(m.ui), encodeArray(interfaces, encodeContract));
  }
  if (profile.v1PayloadIncludesDependencies && m.dependencies.length > 0) {
    fields.push(encodeArray(m.dependencies, encodeDependency));
  }
  return utf8.encode(fields.join('\n'));
}

/** The v1 payload's free-text fields, in payload order (§B.1). */
const V1_TEXT_FIELDS = ['id', 'name', 'type', 'version', 'entrypoint', 'publisher', 'digest_sha256'] as const;

/**
 * Names the first v1 payload field that contains a newline, which would make
 * the newline-joined v1 payload ambiguous (§B.1: "Reject `\n` in any v1
 * field"): two different manifests could then share one payload, and so one
 * signature. After validation only `version` and `entrypoint` can (and a
 * `digest_sha256` that the digest check has not yet seen).
 *
 * @returns the field name, or `null` when the payload is unambiguous (always `null` for v2).
 * @example v1PayloadAmbiguity({ ...m, version: '1\nx' }) // 'version'
 */
export function v1PayloadAmbiguity(m: Manifest): (typeof V1_TEXT_FIELDS)[number] | null {
  if (m.schema === MANIFEST_SCHEMA_V2) return null;
  for (const f of V1_TEXT_FIELDS) if (m[f].includes('\n')) return f;
  return null;
}
