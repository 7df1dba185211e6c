/**
 * Strict manifest decoder: the server's `DecodeManifest` (interop §A.1), minus
 * every leniency of Go's `encoding/json` that would let two readers see
 * different manifests (§B.6, §I.2).
 *
 * **Rejected** (Go accepts them, with effects a JavaScript reader does not
 * reproduce): duplicate keys (Go merges objects), case-variant keys (Go folds
 * case, even `ſchema`), invalid UTF-8 and lone surrogates (Go substitutes
 * U+FFFD), integers beyond ±(2^53−1), a BOM, and a top-level value that is
 * not an object (Go turns `null` into an all-zero manifest).
 *
 * **Rejected as Go does**, with Go's message text: unknown keys
 * (`decode manifest: json: unknown field "<key>"`), trailing values
 * (`decode manifest: unexpected trailing json value`), values of the wrong
 * JSON type (`json: cannot unmarshal …`), non-integer budget numbers, mixed
 * interface method lists (`interface methods must be all strings or all typed
 * objects: …`) and incomplete budgets
 * (`invoke budget requires timeout_ms, stdout_bytes, stderr_bytes and host_calls`).
 * The texts follow Go 1.19's `encoding/json` (the version the vectors were
 * computed with); where several faults exist, the one reported follows Go's
 * rules (the first "saved" error, unless a custom decoder fails, which wins).
 *
 * **`null` choice — treated as Go's zero value, everywhere.** A `null` member
 * is the same as an absent one (`""` for strings, `false` for booleans, nil
 * for pointers, slices and maps — so `"capabilities": null` is written as
 * `null` in the payload, exactly as Go writes it); a `null` array element or
 * map value is the element type's zero value (`""`, or a zero struct); a
 * `null` budget number counts as missing. This reproduces Go's payload for
 * every input we accept, so nothing is lost by accepting it.
 *
 * @module
 */
import type { ErrorCode } from '../../core/errors.js';
import { parseJSONStrict } from '../../core/json/strict.js';
import { IMPLEMENTED_MANIFEST_FIELDS, rulesFromOptions, type ServerRules } from '../../core/server-line.js';
import type { JSONLimits, JSONObject, JSONValue } from '../../core/json/types.js';
import { goQuote } from './go-json.js';
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
  ViewSource,
} from './model.js';
import { emptyManifest } from './model.js';

/** Options for {@link decodeManifest}. */
export interface DecodeManifestOptions {
  /**
   * Also accept `ui.views[].component_key`, the field only legacy-07 servers
   * had (interop §0, §A.3.7), so historical signed manifests can be read and
   * their payloads rebuilt. Current servers reject the key; verification never
   * sets this. Default `false`.
   */
  legacyComponentKey?: boolean;
  /** Resource limits for the JSON parser (defaults: 16 MiB, depth 64). `integersOnly` is always on. */
  limits?: Omit<JSONLimits, 'integersOnly'>;
  /**
   * Server version whose decoder applies (any known name; default the
   * `integration` alias): which top-level and budget fields exist differs
   * per version (docs/SERVER-VERSIONS.md) — `http_response_bytes` is an
   * unknown field before integration-2026-09.
   */
  serverVersion?: string;
  /** A branch alias (`main`, `integration`); the same as `serverVersion` with that name. */
  serverLine?: string;
}

/** Result of {@link decodeManifest}. Hostile input never throws. */
export type DecodeManifestResult =
  | {
      ok: true;
      manifest: Manifest;
      /**
       * The keys the input used where server versions' decoders differ: the
       * top-level members and every budget member present (even `null`). A
       * version whose data lists all of them decodes the same bytes to the
       * same manifest (manifest/loadability.ts uses this to decode once).
       */
      keys: DecodedKeys;
    }
  | {
      ok: false;
      code: 'MANIFEST_DECODE';
      /** Go's `DecodeManifest` error text where Go fails too; our own text (same prefix) where only we reject. */
      message: string;
      /**
       * Set when the bytes are not strict JSON text at all (syntax, BOM, invalid
       * UTF-8, duplicate keys, trailing data, …): the strict parser's code.
       * Absent for JSON the manifest decoder refuses (types, unknown fields, fractions).
       */
      notJSON?: ErrorCode;
      /** RFC 6901 pointer to the offending value, when known. */
      pointer?: string;
    };

/** See {@link DecodeManifestResult}. */
export interface DecodedKeys {
  readonly manifest: ReadonlySet<string>;
  readonly budget: ReadonlySet<string>;
}

/** Prefix of every decode error, as the server writes it. */
const PREFIX = 'decode manifest: ';

/** Go's text for a typed-method decode failure (§A.3.8). */
export const INTERFACE_METHODS_ERROR_PREFIX = 'interface methods must be all strings or all typed objects: ';
/** Go's text for an incomplete invoke budget (§A.3.10). */
export const INVOKE_BUDGET_INCOMPLETE = 'invoke budget requires timeout_ms, stdout_bytes, stderr_bytes and host_calls';
/** Go's text (integration-2026-09) for `http_response_bytes` ≤ 0 (lattice-server-2026-09.md item 1). */
export const INVOKE_BUDGET_HTTP_RESPONSE_BYTES_NOT_POSITIVE = 'invoke budget http_response_bytes must be positive when present';

// Go reflect names of the anonymous structs inside the server's custom decoders
// (they appear in Go's "cannot unmarshal" texts).
const RAW_CONTRACT_TYPE =
  'struct { Service string "json:\\"service\\""; Methods json.RawMessage "json:\\"methods\\""; Scopes []string "json:\\"scopes,omitempty\\""; Backing string "json:\\"backing,omitempty\\"" }';
/** Go field names of the raw budget struct's fields (invoke_budget.go). */
const BUDGET_GO_NAMES: Readonly<Record<string, string>> = {
  timeout_ms: 'TimeoutMS',
  stdout_bytes: 'StdoutBytes',
  stderr_bytes: 'StderrBytes',
  host_calls: 'HostCalls',
  http_response_bytes: 'HTTPResponseBytes',
};
/** Go's reflect name of a version's raw budget struct: `struct { TimeoutMS *int "json:\"timeout_ms\""; … }`. */
function rawBudgetType(fields: readonly string[]): string {
  return `struct { ${fields.map((f) => `${BUDGET_GO_NAMES[f]!} *int "json:\\"${f}\\""`).join('; ')} }`;
}

// ---------------------------------------------------------------------------
// Go encoding/json error model
// ---------------------------------------------------------------------------

/**
 * An `*json.UnmarshalTypeError`, any other Go error (plain text), or one of
 * our own stricter rejections (`strict`: never wrapped or re-labelled by the
 * emulated Go decoders, since Go would not have failed there).
 */
type GoError =
  | { kind: 'type'; value: string; type: string; struct: string; field: string }
  | { kind: 'text'; text: string }
  | { kind: 'strict'; text: string };

function formatGoError(e: GoError): string {
  if (e.kind !== 'type') return e.text;
  // encoding/json UnmarshalTypeError.Error() (Go 1.19).
  if (e.struct !== '' || e.field !== '') {
    return `json: cannot unmarshal ${e.value} into Go struct field ${e.struct}.${e.field} of type ${e.type}`;
  }
  return `json: cannot unmarshal ${e.value} into Go value of type ${e.type}`;
}

/** An error that ends decoding at once (Go returns it instead of saving it). */
class Abort {
  constructor(
    readonly error: GoError,
    readonly pointer: string,
  ) {}
}

/**
 * One Go `json.Decoder` run: its `errorContext` (innermost struct, field
 * stack) and its first saved error. Type errors and unknown fields are saved
 * and decoding carries on; errors from custom decoders abort at once.
 */
class DecoderRun {
  private structName = '';
  private readonly fieldStack: string[] = [];
  saved: { error: GoError; pointer: string } | null = null;

  /** Go `addErrorContext`: a type error takes the current struct and field path. */
  withContext(e: GoError): GoError {
    if (e.kind !== 'type' || (this.structName === '' && this.fieldStack.length === 0)) return e;
    return { ...e, struct: this.structName, field: this.fieldStack.join('.') };
  }

  /** Go `saveError`: keep the first error only. */
  save(e: GoError, pointer: string): void {
    if (this.saved === null) this.saved = { error: this.withContext(e), pointer };
  }

  /** A type mismatch: `value` is the JSON kind found, `type` the Go type wanted. */
  typeError(found: JSONValue, goType: string, pointer: string): void {
    this.save({ kind: 'type', value: goKind(found), type: goType, struct: '', field: '' }, pointer);
  }

  /** Decode one struct field with Go's error context pushed. */
  field<T>(structName: string, name: string, fn: () => T): T {
    const prevStruct = this.structName;
    const prevDepth = this.fieldStack.length;
    this.structName = structName;
    this.fieldStack.push(name);
    const out = fn(); // an Abort propagates with the context still pushed, as in Go
    this.structName = prevStruct;
    this.fieldStack.length = prevDepth;
    return out;
  }

  /**
   * A custom `UnmarshalJSON` was called here and failed: Go's outer decoder
   * returns its error, re-contextualised if it is a type error.
   */
  abortFromCustom(e: GoError, pointer: string): never {
    throw new Abort(this.withContext(e), pointer);
  }
}

function goKind(v: JSONValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'bool';
    default:
      return 'object';
  }
}

function isObject(v: JSONValue): v is JSONObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function ptr(base: string, token: string | number): string {
  return base + '/' + String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Our own rejection (Go would accept): aborts, passing through Go's wrappers unchanged. */
function reject(text: string, pointer: string): never {
  throw new Abort({ kind: 'strict', text }, pointer);
}

// ---------------------------------------------------------------------------
// Field-level decoders (Go literalStore / array / object semantics)
// ---------------------------------------------------------------------------

type Fields = Record<string, (v: JSONValue, at: string) => void>;

/**
 * Walk an object's members against a struct's exact field names. Unknown keys
 * are Go's saved `json: unknown field` error; case-variants of a field name
 * (which Go would accept, §A.1) are rejected outright.
 */
function decodeStruct(run: DecoderRun, structName: string, obj: JSONObject, at: string, fields: Fields): void {
  for (const key of Object.keys(obj)) {
    const handler = Object.prototype.hasOwnProperty.call(fields, key) ? fields[key] : undefined;
    const value = obj[key]!;
    const here = ptr(at, key);
    if (handler !== undefined) {
      run.field(structName, key, () => handler(value, here));
      continue;
    }
    const folded = foldKey(key);
    const canonical = Object.keys(fields).find((f) => f === folded);
    if (canonical !== undefined) {
      reject(
        `json: key ${goQuote(key)} matches field ${goQuote(canonical)} only case-insensitively (rejected: keys must match exactly)`,
        here,
      );
    }
    run.save({ kind: 'text', text: `json: unknown field ${goQuote(key)}` }, here);
  }
}

/** Approximates Go's field-name folding (ASCII case, plus `ſ`→s and Kelvin `K`→k). */
function foldKey(k: string): string {
  return k.replace(/\u017f/g, 's').replace(/\u212a/g, 'k').toLowerCase();
}

function str(run: DecoderRun, v: JSONValue, at: string, set: (s: string) => void): void {
  if (v === null) return; // null leaves the zero value ""
  if (typeof v === 'string') set(v);
  else run.typeError(v, 'string', at);
}

function bool(run: DecoderRun, v: JSONValue, at: string, set: (b: boolean) => void): void {
  if (v === null) return;
  if (typeof v === 'boolean') set(v);
  else run.typeError(v, 'bool', at);
}

/** `[]string`: `null` → nil; a `null` element → `""`. */
function strings(run: DecoderRun, v: JSONValue, at: string): string[] | null {
  if (v === null) return null;
  if (!Array.isArray(v)) {
    run.typeError(v, '[]string', at);
    return null;
  }
  return v.map((e, i) => {
    if (e === null) return '';
    if (typeof e === 'string') return e;
    run.typeError(e, 'string', ptr(at, i));
    return '';
  });
}

/** An omitempty `[]string`, where nil and empty encode alike. */
function stringList(run: DecoderRun, v: JSONValue, at: string): string[] {
  return strings(run, v, at) ?? [];
}

/** `[]T` of structs: `null` → nil; a `null` element → the zero struct. */
function structs<T>(
  run: DecoderRun,
  v: JSONValue,
  at: string,
  goElem: string,
  zero: () => T,
  decode: (o: JSONObject, at: string) => T,
): T[] | null {
  if (v === null) return null;
  if (!Array.isArray(v)) {
    run.typeError(v, '[]' + goElem, at);
    return null;
  }
  return v.map((e, i) => {
    const here = ptr(at, i);
    if (e === null) return zero();
    if (isObject(e)) return decode(e, here);
    run.typeError(e, goElem, here);
    return zero();
  });
}

/** `*T` of a struct: `null` → nil. */
function pointer<T>(run: DecoderRun, v: JSONValue, at: string, goType: string, decode: (o: JSONObject, at: string) => T): T | null {
  if (v === null) return null;
  if (isObject(v)) return decode(v, at);
  run.typeError(v, goType, at);
  return null;
}

// ---------------------------------------------------------------------------
// Struct decoders, one per Go struct (§A.2, §A.3)
// ---------------------------------------------------------------------------

class ManifestDecoder {
  /** The version's raw budget struct name, for Go's type-error text. */
  private readonly rawBudgetType: string;
  /** Budget members seen (see {@link DecodedKeys}). */
  readonly budgetKeys = new Set<string>();
  constructor(
    private readonly run: DecoderRun,
    private readonly legacyComponentKey: boolean,
    private readonly rules: ServerRules,
  ) {
    this.rawBudgetType = rawBudgetType(rules.invokeBudget.fields);
  }

  manifest(o: JSONObject, at: string): Manifest {
    const run = this.run;
    const m = emptyManifest();
    const fields: Fields = {
      schema: (v, p) => str(run, v, p, (s) => (m.schema = s)),
      id: (v, p) => str(run, v, p, (s) => (m.id = s)),
      name: (v, p) => str(run, v, p, (s) => (m.name = s)),
      type: (v, p) => str(run, v, p, (s) => (m.type = s)),
      capabilities: (v, p) => (m.capabilities = strings(run, v, p)),
      version: (v, p) => str(run, v, p, (s) => (m.version = s)),
      entrypoint: (v, p) => str(run, v, p, (s) => (m.entrypoint = s)),
      publisher: (v, p) => str(run, v, p, (s) => (m.publisher = s)),
      digest_sha256: (v, p) => str(run, v, p, (s) => (m.digest_sha256 = s)),
      signature_ed25519: (v, p) => str(run, v, p, (s) => (m.signature_ed25519 = s)),
      bundle: (v, p) => (m.bundle = pointer(run, v, p, 'plugin.BundleSpec', (x, q) => this.bundle(x, q))),
      runtime: (v, p) => (m.runtime = pointer(run, v, p, 'plugin.RuntimeSpec', (x, q) => this.runtime(x, q))),
      ui_runtime: (v, p) => (m.ui_runtime = pointer(run, v, p, 'plugin.UIRuntimeSpec', (x, q) => this.uiRuntime(x, q))),
      compatibility: (v, p) =>
        (m.compatibility = pointer(run, v, p, 'plugin.CompatibilitySpec', (x, q) => this.compatibility(x, q))),
      min_server: (v, p) => str(run, v, p, (s) => (m.min_server = s)),
      host_access: (v, p) => (m.host_access = pointer(run, v, p, 'plugin.HostAccessSpec', (x, q) => this.hostAccess(x, q))),
      ui: (v, p) => (m.ui = pointer(run, v, p, 'plugin.ManifestUI', (x, q) => this.ui(x, q))),
      interfaces: (v, p) => (m.interfaces = this.interfaces(v, p)),
      dependencies: (v, p) =>
        (m.dependencies =
          structs(run, v, p, 'plugin.DependencySpec', zeroDependency, (x, q) => this.dependency(x, q)) ?? []),
    };
    // The version's struct: a field its data does not list is unknown to its decoder.
    if (this.rules.manifestFields.length !== IMPLEMENTED_MANIFEST_FIELDS.length) {
      for (const k of Object.keys(fields)) if (!this.rules.manifestFields.includes(k)) delete fields[k];
    }
    decodeStruct(run, 'Manifest', o, at, fields);
    return m;
  }

  bundle(o: JSONObject, at: string): BundleSpec {
    const run = this.run;
    const b: BundleSpec = { format: '', digest_sha256: '' };
    decodeStruct(run, 'BundleSpec', o, at, {
      format: (v, p) => str(run, v, p, (s) => (b.format = s)),
      digest_sha256: (v, p) => str(run, v, p, (s) => (b.digest_sha256 = s)),
    });
    return b;
  }

  runtime(o: JSONObject, at: string): RuntimeSpec {
    const run = this.run;
    const r: RuntimeSpec = { protocol: '', entrypoints: null };
    decodeStruct(run, 'RuntimeSpec', o, at, {
      protocol: (v, p) => str(run, v, p, (s) => (r.protocol = s)),
      entrypoints: (v, p) => (r.entrypoints = this.stringMap(v, p)),
    });
    return r;
  }

  /** `map[string]string`: `null` → nil; a `null` value → `""` (the entry still exists, as in Go). */
  stringMap(v: JSONValue, at: string): Map<string, string> | null {
    const run = this.run;
    if (v === null) return null;
    if (!isObject(v)) {
      run.typeError(v, 'map[string]string', at);
      return null;
    }
    const out = new Map<string, string>();
    for (const k of Object.keys(v)) {
      const e = v[k]!;
      if (e === null) out.set(k, '');
      else if (typeof e === 'string') out.set(k, e);
      else {
        run.typeError(e, 'string', ptr(at, k));
        out.set(k, '');
      }
    }
    return out;
  }

  uiRuntime(o: JSONObject, at: string): UIRuntimeSpec {
    const run = this.run;
    const u: UIRuntimeSpec = { mode: '', entrypoint: '', bridge_version: '' };
    decodeStruct(run, 'UIRuntimeSpec', o, at, {
      mode: (v, p) => str(run, v, p, (s) => (u.mode = s)),
      entrypoint: (v, p) => str(run, v, p, (s) => (u.entrypoint = s)),
      bridge_version: (v, p) => str(run, v, p, (s) => (u.bridge_version = s)),
    });
    return u;
  }

  compatibility(o: JSONObject, at: string): CompatibilitySpec {
    const run = this.run;
    const c: CompatibilitySpec = { server: '', dashboard_host: '', runtime_protocol: '' };
    decodeStruct(run, 'CompatibilitySpec', o, at, {
      server: (v, p) => str(run, v, p, (s) => (c.server = s)),
      dashboard_host: (v, p) => str(run, v, p, (s) => (c.dashboard_host = s)),
      runtime_protocol: (v, p) => str(run, v, p, (s) => (c.runtime_protocol = s)),
    });
    return c;
  }

  hostAccess(o: JSONObject, at: string): HostAccessSpec {
    const run = this.run;
    const h: HostAccessSpec = { rpc: [] };
    decodeStruct(run, 'HostAccessSpec', o, at, {
      rpc: (v, p) => (h.rpc = structs(run, v, p, 'plugin.RPCDependency', zeroRPC, (x, q) => this.rpc(x, q)) ?? []),
    });
    return h;
  }

  rpc(o: JSONObject, at: string): RPCDependency {
    const run = this.run;
    const r = zeroRPC();
    decodeStruct(run, 'RPCDependency', o, at, {
      service: (v, p) => str(run, v, p, (s) => (r.service = s)),
      methods: (v, p) => (r.methods = strings(run, v, p)),
    });
    return r;
  }

  ui(o: JSONObject, at: string): ManifestUI {
    const run = this.run;
    const u: ManifestUI = { nav: [], views: [] };
    decodeStruct(run, 'ManifestUI', o, at, {
      nav: (v, p) => (u.nav = structs(run, v, p, 'plugin.NavContribution', zeroNav, (x, q) => this.nav(x, q)) ?? []),
      views: (v, p) => (u.views = structs(run, v, p, 'plugin.ViewContribution', zeroView, (x, q) => this.view(x, q)) ?? []),
    });
    return u;
  }

  nav(o: JSONObject, at: string): NavContribution {
    const run = this.run;
    const n = zeroNav();
    decodeStruct(run, 'NavContribution', o, at, {
      section: (v, p) => str(run, v, p, (s) => (n.section = s)),
      section_title: (v, p) => str(run, v, p, (s) => (n.section_title = s)),
      title: (v, p) => str(run, v, p, (s) => (n.title = s)),
      route: (v, p) => str(run, v, p, (s) => (n.route = s)),
      icon: (v, p) => str(run, v, p, (s) => (n.icon = s)),
      scopes: (v, p) => (n.scopes = stringList(run, v, p)),
    });
    return n;
  }

  view(o: JSONObject, at: string): ViewContribution {
    const run = this.run;
    const w = zeroView();
    const fields: Fields = {
      route: (v, p) => str(run, v, p, (s) => (w.route = s)),
      title: (v, p) => str(run, v, p, (s) => (w.title = s)),
      kind: (v, p) => str(run, v, p, (s) => (w.kind = s)),
      source: (v, p) => (w.source = pointer(run, v, p, 'plugin.ViewSource', (x, q) => this.source(x, q))),
      columns: (v, p) => (w.columns = structs(run, v, p, 'plugin.ViewColumn', zeroColumn, (x, q) => this.column(x, q)) ?? []),
      actions: (v, p) => (w.actions = structs(run, v, p, 'plugin.ViewAction', zeroAction, (x, q) => this.action(x, q)) ?? []),
    };
    if (this.legacyComponentKey) {
      // legacy-07 struct (§A.3.7): component_key string, omitempty.
      fields['component_key'] = (v, p) => str(run, v, p, (s) => (w.component_key = s));
    }
    decodeStruct(run, 'ViewContribution', o, at, fields);
    if (w.component_key === '') delete w.component_key;
    return w;
  }

  source(o: JSONObject, at: string): ViewSource {
    const run = this.run;
    const s: ViewSource = { interface: '', method: '' };
    decodeStruct(run, 'ViewSource', o, at, {
      interface: (v, p) => str(run, v, p, (x) => (s.interface = x)),
      method: (v, p) => str(run, v, p, (x) => (s.method = x)),
    });
    return s;
  }

  column(o: JSONObject, at: string): ViewColumn {
    const run = this.run;
    const c = zeroColumn();
    decodeStruct(run, 'ViewColumn', o, at, {
      key: (v, p) => str(run, v, p, (s) => (c.key = s)),
      label: (v, p) => str(run, v, p, (s) => (c.label = s)),
      render: (v, p) => str(run, v, p, (s) => (c.render = s)),
    });
    return c;
  }

  action(o: JSONObject, at: string): ViewAction {
    const run = this.run;
    const a = zeroAction();
    decodeStruct(run, 'ViewAction', o, at, {
      label: (v, p) => str(run, v, p, (s) => (a.label = s)),
      interface: (v, p) => str(run, v, p, (s) => (a.interface = s)),
      method: (v, p) => str(run, v, p, (s) => (a.method = s)),
      form: (v, p) => (a.form = structs(run, v, p, 'plugin.ViewFormField', zeroFormField, (x, q) => this.formField(x, q)) ?? []),
      scopes: (v, p) => (a.scopes = stringList(run, v, p)),
    });
    return a;
  }

  formField(o: JSONObject, at: string): ViewFormField {
    const run = this.run;
    const f = zeroFormField();
    decodeStruct(run, 'ViewFormField', o, at, {
      key: (v, p) => str(run, v, p, (s) => (f.key = s)),
      label: (v, p) => str(run, v, p, (s) => (f.label = s)),
      kind: (v, p) => str(run, v, p, (s) => (f.kind = s)),
      options: (v, p) => (f.options = stringList(run, v, p)),
    });
    return f;
  }

  dependency(o: JSONObject, at: string): DependencySpec {
    const run = this.run;
    const d = zeroDependency();
    decodeStruct(run, 'DependencySpec', o, at, {
      id: (v, p) => str(run, v, p, (s) => (d.id = s)),
      version: (v, p) => str(run, v, p, (s) => (d.version = s)),
      optional: (v, p) => bool(run, v, p, (b) => (d.optional = b)),
    });
    return d;
  }

  /** `[]InterfaceContract`: each element goes through the custom decoder. */
  interfaces(v: JSONValue, at: string): InterfaceContract[] | null {
    const run = this.run;
    if (v === null) return null;
    if (!Array.isArray(v)) {
      run.typeError(v, '[]plugin.InterfaceContract', at);
      return null;
    }
    return v.map((e, i) => this.contract(e, ptr(at, i)));
  }

  /**
   * `InterfaceContract.UnmarshalJSON` (§A.3.8): a strict inner decode of
   * `{service, methods(raw), scopes, backing}`, then the two-form rule for
   * `methods`. Any failure aborts the outer decode (custom decoder).
   */
  contract(v: JSONValue, at: string): InterfaceContract {
    const outer = this.run;
    const inner = new DecoderRun();
    const c: InterfaceContract = { service: '', typed: false, methods: null, scopes: [], backing: '' };
    let rawMethods: JSONValue | undefined;
    if (v !== null) {
      // Go calls UnmarshalJSON even for null, which decodes to the zero contract.
      if (!isObject(v)) {
        inner.typeError(v, RAW_CONTRACT_TYPE, at);
      } else {
        decodeStruct(inner, '', v, at, {
          service: (x, p) => str(inner, x, p, (s) => (c.service = s)),
          methods: (x) => (rawMethods = x),
          scopes: (x, p) => (c.scopes = stringList(inner, x, p)),
          backing: (x, p) => str(inner, x, p, (s) => (c.backing = s)),
        });
      }
    }
    if (inner.saved !== null) outer.abortFromCustom(inner.saved.error, inner.saved.pointer);
    if (rawMethods === undefined || rawMethods === null) return c; // absent or null: string form, nil
    const methodsAt = ptr(at, 'methods');
    // Step 1: plain json.Unmarshal into []string succeeds for arrays of strings/nulls.
    if (Array.isArray(rawMethods) && rawMethods.every((e) => e === null || typeof e === 'string')) {
      c.methods = rawMethods.map((e) => (e === null ? '' : (e as string)));
      return c;
    }
    // Step 2: strict decode as []InterfaceMethod, in its own decoder run.
    const mrun = new DecoderRun();
    let typed: InterfaceMethod[] | null = null;
    try {
      typed = structs(mrun, rawMethods, methodsAt, 'plugin.InterfaceMethod', zeroMethod, (x, q) => this.method(mrun, x, q));
    } catch (e) {
      if (!(e instanceof Abort)) throw e;
      if (e.error.kind === 'strict') throw e;
      outer.abortFromCustom({ kind: 'text', text: INTERFACE_METHODS_ERROR_PREFIX + formatGoError(e.error) }, e.pointer);
    }
    if (mrun.saved !== null) {
      outer.abortFromCustom(
        { kind: 'text', text: INTERFACE_METHODS_ERROR_PREFIX + formatGoError(mrun.saved.error) },
        mrun.saved.pointer,
      );
    }
    return { service: c.service, typed: true, methods: typed, scopes: c.scopes, backing: c.backing };
  }

  method(run: DecoderRun, o: JSONObject, at: string): InterfaceMethod {
    const m = zeroMethod();
    decodeStruct(run, 'InterfaceMethod', o, at, {
      name: (v, p) => str(run, v, p, (s) => (m.name = s)),
      effect: (v, p) => str(run, v, p, (s) => (m.effect = s)),
      scopes: (v, p) => (m.scopes = stringList(run, v, p)),
      operator_target_fields: (v, p) => (m.operator_target_fields = stringList(run, v, p)),
      budget: (v, p) => (m.budget = this.budget(run, v, p)),
    });
    return m;
  }

  /**
   * `InvokeBudgetSpec.UnmarshalJSON` (§A.3.10): strict over the version's
   * budget fields, the four required ones present and non-null; on versions
   * with `http_response_bytes` (lattice-server-2026-09.md item 1) that field
   * is optional (`null` = absent) and, when present, must be positive — it is
   * omitempty, so an explicit `0` would sign as "absent" and mean the default.
   */
  budget(outer: DecoderRun, v: JSONValue, at: string): InvokeBudgetSpec | null {
    if (v === null) return null; // "budget": null leaves the pointer nil
    const inner = new DecoderRun();
    const raw: Partial<Record<string, number>> = {};
    const fields: Fields = {};
    for (const key of this.rules.invokeBudget.fields) {
      fields[key] = (x: JSONValue, p: string) => {
        if (x === null) return;
        if (typeof x === 'number') raw[key] = x; // integersOnly parse: always a safe integer here
        else inner.typeError(x, 'int', p);
      };
    }
    if (!isObject(v)) {
      inner.typeError(v, this.rawBudgetType, at);
    } else {
      for (const k of Object.keys(v)) this.budgetKeys.add(k);
      decodeStruct(inner, '', v, at, fields);
    }
    if (inner.saved !== null) outer.abortFromCustom(inner.saved.error, inner.saved.pointer);
    const { timeout_ms, stdout_bytes, stderr_bytes, host_calls, http_response_bytes } = raw;
    if (timeout_ms === undefined || stdout_bytes === undefined || stderr_bytes === undefined || host_calls === undefined) {
      outer.abortFromCustom({ kind: 'text', text: INVOKE_BUDGET_INCOMPLETE }, at);
    }
    if (http_response_bytes !== undefined && http_response_bytes <= 0) {
      outer.abortFromCustom({ kind: 'text', text: INVOKE_BUDGET_HTTP_RESPONSE_BYTES_NOT_POSITIVE }, at);
    }
    const budget: InvokeBudgetSpec = { timeout_ms, stdout_bytes, stderr_bytes, host_calls };
    if (http_response_bytes !== undefined) budget.http_response_bytes = http_response_bytes;
    return budget;
  }
}

const zeroDependency = (): DependencySpec => ({ id: '', version: '', optional: false });
const zeroRPC = (): RPCDependency => ({ service: '', methods: null });
const zeroNav = (): NavContribution => ({ section: '', section_title: '', title: '', route: '', icon: '', scopes: [] });
const zeroView = (): ViewContribution => ({ route: '', title: '', kind: '', source: null, columns: [], actions: [] });
const zeroColumn = (): ViewColumn => ({ key: '', label: '', render: '' });
const zeroAction = (): ViewAction => ({ label: '', interface: '', method: '', form: [], scopes: [] });
const zeroFormField = (): ViewFormField => ({ key: '', label: '', kind: '', options: [] });
const zeroMethod = (): InterfaceMethod => ({ name: '', effect: '', scopes: [], operator_target_fields: [], budget: null });

// ---------------------------------------------------------------------------
// Parse-level failures → Go's text where Go fails too
// ---------------------------------------------------------------------------

const BUDGET_POINTER_RE = /^\/interfaces\/\d+\/methods\/\d+\/budget\/([a-z_]+)$/;
const NUMBER_LITERAL_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function textOf(input: string | Uint8Array): string | null {
  if (typeof input === 'string') return input;
  try {
    return utf8Decoder.decode(input);
  } catch {
    return null;
  }
}

/** Go's `quoteChar` for the first byte of `s` (Go's scanner reports bytes, shown as Latin-1 runes). */
function goQuoteChar(s: string): string {
  const b = new TextEncoder().encode(s.slice(0, 2))[0]!;
  if (b === 0x27) return "'\\''";
  if (b === 0x22) return '\'"\'';
  const q = goQuote(String.fromCharCode(b));
  return "'" + q.slice(1, -1) + "'";
}

function parseFailure(
  input: string | Uint8Array,
  problem: { code: string; message: string; pointer: string; offset: number },
  rules: ServerRules,
): DecodeManifestResult {
  const fail = (message: string, pointer: string): DecodeManifestResult => ({
    ok: false,
    code: 'MANIFEST_DECODE',
    message: PREFIX + message,
    pointer,
  });
  switch (problem.code) {
    case 'JSON_BOM':
      // Go's scanner sees byte 0xEF first.
      return fail("invalid character 'ï' looking for beginning of value", '');
    case 'JSON_TRAILING_DATA': {
      // ensureNoTrailingJSON (§A.1 step 3): a second value, or garbage.
      const text = textOf(input);
      const rest = text === null ? '' : text.slice(problem.offset);
      if (!startsValue(rest)) return fail(`invalid character ${goQuoteChar(rest)} looking for beginning of value`, '');
      const second = parseJSONStrict(rest);
      // A complete second value (possibly followed by more, or breaking only our
      // extra rules such as duplicate keys) is what Go reports as a trailing value.
      if (second.ok || second.error.code !== 'JSON_SYNTAX') return fail('unexpected trailing json value', '');
      return fail(`unexpected trailing data: ${second.error.message}`, '');
    }
    case 'JSON_NUMBER_NOT_INTEGER': {
      const m = BUDGET_POINTER_RE.exec(problem.pointer);
      const text = textOf(input);
      if (m && !rules.invokeBudget.fields.includes(m[1]!)) {
        // A key this version's budget struct lacks: Go saves "unknown field" before looking at the value.
        return fail(`${INTERFACE_METHODS_ERROR_PREFIX}json: unknown field ${goQuote(m[1]!)}`, problem.pointer);
      }
      if (m && text !== null) {
        NUMBER_LITERAL_RE.lastIndex = problem.offset;
        const lit = NUMBER_LITERAL_RE.exec(text)?.[0] ?? '';
        // Go 1.19: the budget's own decoder fails, the method decoder re-labels
        // the type error with its context, the contract decoder wraps it (§A.3.8).
        return fail(
          `${INTERFACE_METHODS_ERROR_PREFIX}json: cannot unmarshal number ${lit} into Go struct field InterfaceMethod.budget of type int`,
          problem.pointer,
        );
      }
      return fail(`${problem.message} (at ${problem.pointer || '/'}: manifests hold no fractional numbers)`, problem.pointer);
    }
    case 'JSON_DUPLICATE_KEY':
    case 'JSON_INVALID_UTF8':
    case 'JSON_LONE_SURROGATE':
    case 'JSON_UNSAFE_INTEGER':
      // Go accepts these (merging, U+FFFD, int64); we reject them (§B.6).
      return fail(`rejected: ${problem.message}${problem.pointer ? ` at ${problem.pointer}` : ''}`, problem.pointer);
    default:
      return fail(`${problem.message}${problem.pointer ? ` at ${problem.pointer}` : ''}`, problem.pointer);
  }
}

/** Whether the first character can begin a JSON value (Go's stateBeginValue). */
function startsValue(s: string): boolean {
  return /^[{["\-0-9tfn]/.test(s);
}

/**
 * Decode manifest bytes strictly (interop §A.1, §B.6, §I.2).
 *
 * @param input - the manifest file: UTF-8 bytes, or already-decoded text.
 * @param opts - {@link DecodeManifestOptions} (`serverVersion`: whose decoder; default the `integration` alias).
 * @returns `{ ok: true, manifest }`, or `{ ok: false, code: 'MANIFEST_DECODE', message, pointer }`
 *   with Go's `DecodeManifest` text where Go rejects the input as well. Never throws for hostile input.
 * @throws TypeError only if `input` is neither a string nor a Uint8Array, or the server version is unknown (caller bugs).
 * @example
 * const r = decodeManifest(bytes);
 * if (!r.ok) console.error(r.message); // e.g. 'decode manifest: json: unknown field "component_key"'
 */
export function decodeManifest(input: Uint8Array | string, opts: DecodeManifestOptions = {}): DecodeManifestResult {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) {
    throw new TypeError('decodeManifest expects a Uint8Array or a string');
  }
  const rules = rulesFromOptions(opts);
  const parsed = parseJSONStrict(input, { ...opts.limits, integersOnly: true });
  if (!parsed.ok) {
    const failure = parseFailure(input, parsed.error, rules);
    // A fractional number is JSON; Go fails on it as a type error, so it stays a decode verdict.
    return !failure.ok && parsed.error.code !== 'JSON_NUMBER_NOT_INTEGER' ? { ...failure, notJSON: parsed.error.code } : failure;
  }
  const root = parsed.value;
  const run = new DecoderRun();
  if (!isObject(root)) {
    if (root === null) {
      return { ok: false, code: 'MANIFEST_DECODE', message: PREFIX + 'manifest must be a JSON object, found null', pointer: '' };
    }
    // Go: "json: cannot unmarshal array into Go value of type plugin.Manifest".
    run.typeError(root, 'plugin.Manifest', '');
    const e = run.saved!;
    return { ok: false, code: 'MANIFEST_DECODE', message: PREFIX + formatGoError(e.error), pointer: e.pointer };
  }
  try {
    const decoder = new ManifestDecoder(run, opts.legacyComponentKey === true, rules);
    const manifest = decoder.manifest(root, '');
    if (run.saved !== null) {
      return { ok: false, code: 'MANIFEST_DECODE', message: PREFIX + formatGoError(run.saved.error), pointer: run.saved.pointer };
    }
    return { ok: true, manifest, keys: { manifest: new Set(Object.keys(root)), budget: decoder.budgetKeys } };
  } catch (e) {
    if (!(e instanceof Abort)) throw e;
    return { ok: false, code: 'MANIFEST_DECODE', message: PREFIX + formatGoError(e.error), pointer: e.pointer };
  }
}
