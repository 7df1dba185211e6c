/**
 * Every ValidateManifest rule of interop §A.4 (A.4.1–A.4.4), §A.5 scopes and
 * §D.10 budgets, each with a failing case and the server's exact message, on
 * the line(s) where it applies.
 */
import { describe, expect, it } from 'vitest';
import { SERVER_LINES } from '../../src/core/server-line.js';
import type { ServerLine } from '../../src/core/server-line.js';
import { goPathClean, safeBundlePath, validateInvokeBudget, validateManifest } from '../../src/domain/manifest/index.js';
import type { InterfaceContract, InterfaceMethod, Manifest, TypedMethodsContract } from '../../src/domain/manifest/index.js';
import { baseV1, baseV2 } from './fixtures.js';

type Expect = string | null | Record<ServerLine, string | null>;
type Case = [name: string, base: 'v1' | 'v2', mutate: (m: Manifest) => void, expected: Expect];

const typed = (m: Manifest, i = 0): TypedMethodsContract => m.interfaces![i] as TypedMethodsContract;
const method = (m: Manifest, j = 0): InterfaceMethod => typed(m).methods![j]!;
const newMethod = (x: Partial<InterfaceMethod>): InterfaceMethod => ({
  name: 'x',
  effect: 'read',
  scopes: ['node:read'],
  operator_target_fields: [],
  budget: null,
  ...x,
});
const stringContract = (service: string, methods: string[], scopes: string[] = ['node:read']): InterfaceContract => ({
  service,
  typed: false,
  methods,
  scopes,
  backing: '',
});
const ID = 'interface "acme.tool/items"';

const CASES: Case[] = [
  // ---- §A.4 steps 1–7 -------------------------------------------------------
  ['step 1: empty id', 'v2', (m) => (m.id = ''), 'plugin id and name are required'],
  ['step 1: empty name', 'v2', (m) => (m.name = ''), 'plugin id and name are required'],
  ['step 2: uppercase id', 'v2', (m) => (m.id = 'Acme.tool'), 'invalid plugin id "Acme.tool"'],
  ['step 2: id with ..', 'v2', (m) => (m.id = 'acme..tool'), 'invalid plugin id "acme..tool"'],
  ['step 2: id too short', 'v2', (m) => (m.id = 'ab'), 'invalid plugin id "ab"'],
  ['step 2: id quoting uses Go %q', 'v2', (m) => (m.id = 'a\u00a0b\n"'), 'invalid plugin id "a\\u00a0b\\n\\""'],
  ['step 3: blank name (Go TrimSpace incl. U+0085)', 'v2', (m) => (m.name = ' \u0085\u3000'), 'plugin name must be printable and at most 80 characters'],
  ['step 3: control rune in name', 'v2', (m) => (m.name = 'To\u007fol'), 'plugin name must be printable and at most 80 characters'],
  ['step 3: 82-byte name (41 × é)', 'v2', (m) => (m.name = 'é'.repeat(41)), 'plugin name must be printable and at most 80 characters'],
  ['step 3: 80-byte name is fine', 'v2', (m) => (m.name = 'é'.repeat(40)), null],
  ['step 3: C1 control is not "control" for the server', 'v2', (m) => (m.name = '\u0080'), null],
  ['step 3: U+FEFF is not Go white space', 'v2', (m) => (m.name = '\ufeff'), null],
  ['step 4: invalid publisher', 'v2', (m) => (m.publisher = 'Acme'), 'invalid publisher "Acme"'],
  ['step 5: unknown type', 'v2', (m) => (m.type = 'native'), 'unsupported plugin type "native"'],
  ['step 6: no capabilities (null)', 'v2', (m) => (m.capabilities = null), 'plugin must declare at least one capability'],
  ['step 6: no capabilities ([])', 'v2', (m) => (m.capabilities = []), 'plugin must declare at least one capability'],
  ['step 7: duplicate capability', 'v2', (m) => (m.capabilities = ['kv:read', 'node:read', 'kv:read']), 'capability "kv:read" is duplicated'],
  ['step 7: unknown capability first wins', 'v2', (m) => (m.capabilities = ['kv:admin', 'kv:read', 'kv:read']), 'capability "kv:admin" is not recognized'],
  [
    'step 7: host-risk capability on wasm',
    'v2',
    (m) => {
      m.type = 'wasm';
      m.capabilities = ['kv:read', 'node:read', 'task:run'];
    },
    'capability "task:run" requires a system plugin',
  ],
  [
    'step 7: http:egress is exempt for wasm',
    'v2',
    (m) => {
      m.type = 'wasm';
      m.capabilities = ['kv:read', 'node:read', 'http:egress'];
    },
    null,
  ],
  [
    'step 7: worker outside its allowlist',
    'v2',
    (m) => {
      m.type = 'worker';
      m.capabilities = ['kv:read', 'kv:write'];
    },
    'capability "node:read" is not available to worker plugins'.replace('node:read', 'kv:write'),
  ],
  [
    'step 7: http:egress is not in the worker allowlist',
    'v2',
    (m) => {
      m.type = 'worker';
      m.capabilities = ['http:egress'];
    },
    'capability "http:egress" is not available to worker plugins',
  ],
  [
    'step 7: wireguard:read exists only on integration',
    'v2',
    (m) => (m.capabilities = ['kv:read', 'node:read', 'wireguard:read']),
    { main: 'capability "wireguard:read" is not recognized', integration: null },
  ],
  [
    'step 7: wireguard:admin is host-risk on integration',
    'v2',
    (m) => {
      m.type = 'wasm';
      m.capabilities = ['kv:read', 'node:read', 'wireguard:admin'];
    },
    { main: 'capability "wireguard:admin" is not recognized', integration: 'capability "wireguard:admin" requires a system plugin' },
  ],

  // ---- §A.2 / §A.4.1: v1 forbidden fields, schema ---------------------------
  ...(['bundle', 'runtime', 'ui_runtime', 'compatibility', 'host_access', 'min_server'] as const).map(
    (field): Case => [
      `A.2: v1 with ${field}`,
      'v1',
      (m) => {
        const v2 = baseV2();
        if (field === 'host_access') m.host_access = { rpc: [] };
        else if (field === 'min_server') m.min_server = '0.1';
        else (m as unknown as Record<string, unknown>)[field] = v2[field];
      },
      'bundle, runtime, ui_runtime, compatibility, min_server and host_access require manifest schema v2',
    ],
  ),
  ['A.4.1: unknown schema', 'v2', (m) => (m.schema = 'lattice.plugin.manifest.v3'), 'unsupported manifest schema "lattice.plugin.manifest.v3"'],
  ['A.4.1: schema is case-sensitive', 'v2', (m) => (m.schema = 'Lattice.plugin.manifest.v2'), 'unsupported manifest schema "Lattice.plugin.manifest.v2"'],
  ['A.4.1 step 1: v2 legacy entrypoint', 'v2', (m) => (m.entrypoint = 'x'), 'manifest v2 rejects legacy entrypoint'],
  ['A.4.1 step 2: v2 legacy digest', 'v2', (m) => (m.digest_sha256 = 'ab'.repeat(32)), 'manifest v2 rejects legacy digest_sha256'],
  ['A.4.1 step 3: empty version', 'v2', (m) => (m.version = ''), 'manifest v2 invalid version ""'],
  ['A.4.1 step 3: version with ..', 'v2', (m) => (m.version = '1..2'), 'manifest v2 invalid version "1..2"'],
  ['A.4.1 step 3: version starting with -', 'v2', (m) => (m.version = '-1'), 'manifest v2 invalid version "-1"'],
  ['A.4.1 step 3: version of 65 chars', 'v2', (m) => (m.version = '1'.repeat(65)), `manifest v2 invalid version "${'1'.repeat(65)}"`],
  ['A.4.1 step 3: version of 64 chars is fine', 'v2', (m) => (m.version = '1'.repeat(64)), null],
  ['A.4.1 step 3: version with :', 'v2', (m) => (m.version = '1:2'), 'manifest v2 invalid version "1:2"'],
  ['A.4.1 step 4: no bundle', 'v2', (m) => (m.bundle = null), 'manifest v2 bundle is required'],
  ['A.4.1 step 5: bundle format', 'v2', (m) => (m.bundle!.format = 'zip'), 'manifest v2 bundle format must be "tar+gzip"'],
  ['A.4.1 step 6: bundle digest', 'v2', (m) => (m.bundle!.digest_sha256 = 'xyz'), 'manifest v2 bundle digest: invalid sha256 digest "xyz"'],
  ['A.4.1 step 6: uppercase digest is accepted', 'v2', (m) => (m.bundle!.digest_sha256 = 'AB'.repeat(32)), null],
  ['A.4.1 step 7: no runtime', 'v2', (m) => (m.runtime = null), 'manifest v2 runtime is required'],
  [
    'A.4.1 step 8: stdio-json-v2 only on integration',
    'v2',
    (m) => (m.runtime!.protocol = 'stdio-json-v2'),
    { main: 'manifest v2 runtime protocol must be "stdio-json-v1"', integration: null },
  ],
  [
    'A.4.1 step 8: unknown protocol',
    'v2',
    (m) => (m.runtime!.protocol = 'grpc'),
    {
      main: 'manifest v2 runtime protocol must be "stdio-json-v1"',
      integration: 'manifest v2 runtime protocol must be "stdio-json-v1" or "stdio-json-v2"',
    },
  ],
  ['A.4.1 step 9: entrypoints null', 'v2', (m) => (m.runtime!.entrypoints = null), 'manifest v2 requires at least one platform entrypoint'],
  ['A.4.1 step 9: entrypoints empty', 'v2', (m) => (m.runtime!.entrypoints = new Map()), 'manifest v2 requires at least one platform entrypoint'],
  [
    'A.4.1 step 10: bad platform',
    'v2',
    (m) => m.runtime!.entrypoints!.set('Linux/amd64', 'bin/x'),
    'manifest v2 invalid runtime platform "Linux/amd64"',
  ],
  [
    'A.4.1 step 10: platform without slash',
    'v2',
    (m) => m.runtime!.entrypoints!.set('linux', 'bin/x'),
    'manifest v2 invalid runtime platform "linux"',
  ],
  [
    'A.4.1 step 10: several bad entries → first in sorted order (documented deviation)',
    'v2',
    (m) => {
      m.runtime!.entrypoints!.set('z/z', '../x');
      m.runtime!.entrypoints!.set('a/a', 'lib/x');
    },
    'manifest v2 invalid runtime entrypoint "lib/x"',
  ],
  ...['bin/../x', 'lib/x', 'bin//x', './bin/x', 'bin/x/', '/bin/x', 'bin\\x', 'bin/x\u0001', 'bin/./x', 'bin', '', 'bin/'].map(
    (entry): Case => [
      `A.4.1 step 10: entrypoint ${JSON.stringify(entry)}`,
      'v2',
      (m) => m.runtime!.entrypoints!.set('linux/amd64', entry),
      `manifest v2 invalid runtime entrypoint ${goq(entry)}`,
    ],
  ),
  ['A.4.1 step 11: ui mode', 'v2', (m) => (m.ui_runtime!.mode = 'iframe'), 'manifest v2 ui runtime mode must be "sandbox"'],
  ['A.4.1 step 11: ui entrypoint outside ui/', 'v2', (m) => (m.ui_runtime!.entrypoint = 'web/index.html'), 'manifest v2 invalid ui entrypoint "web/index.html"'],
  ['A.4.1 step 11: unsafe ui entrypoint', 'v2', (m) => (m.ui_runtime!.entrypoint = 'ui/../index.html'), 'manifest v2 invalid ui entrypoint "ui/../index.html"'],
  ['A.4.1 step 11: not .html', 'v2', (m) => (m.ui_runtime!.entrypoint = 'ui/index.htm'), 'manifest v2 ui entrypoint must be an .html document'],
  ['A.4.1 step 11: .HTML is case-sensitive', 'v2', (m) => (m.ui_runtime!.entrypoint = 'ui/INDEX.HTML'), 'manifest v2 ui entrypoint must be an .html document'],
  ['A.4.1 step 11: ext of the last element only', 'v2', (m) => (m.ui_runtime!.entrypoint = 'ui/a.html/b'), 'manifest v2 ui entrypoint must be an .html document'],
  ['A.4.1 step 11: bridge version', 'v2', (m) => (m.ui_runtime!.bridge_version = '2'), 'manifest v2 ui bridge version must be "1"'],
  ['A.4.1 step 12: no compatibility', 'v2', (m) => (m.compatibility = null), 'manifest v2 compatibility is required'],
  ...(['server', 'dashboard_host', 'runtime_protocol'] as const).flatMap((f): Case[] => [
    [`A.4.1 step 13: blank compatibility.${f}`, 'v2', (m) => (m.compatibility![f] = ' \t'), 'manifest v2 compatibility fields must be printable non-empty values'],
    [`A.4.1 step 13: control in compatibility.${f}`, 'v2', (m) => (m.compatibility![f] = '>=1\u0000'), 'manifest v2 compatibility fields must be printable non-empty values'],
  ]),
  ['A.4.1 step 13: 129 bytes after trim', 'v2', (m) => (m.compatibility!.server = ' ' + 'x'.repeat(129)), 'manifest v2 compatibility fields must be printable non-empty values'],
  ['A.4.1 step 13: 128 bytes after trim is fine', 'v2', (m) => (m.compatibility!.server = ' ' + 'x'.repeat(128) + ' '), null],
  ['A.4.1 step 13: not parsed as a range', 'v2', (m) => (m.compatibility!.server = 'whatever'), null],
  ['A.4.1 step 14: blank min_server', 'v2', (m) => (m.min_server = '\u3000'), 'manifest v2 min_server must be a printable non-empty value'],

  // ---- §A.4.2 host_access -----------------------------------------------------
  ['A.4.2: {} passes without rpc:call', 'v2', (m) => (m.host_access = { rpc: [] }), null],
  [
    'A.4.2: rpc needs rpc:call',
    'v2',
    (m) => (m.host_access = { rpc: [{ service: 'other.plugin/x', methods: ['get'] }] }),
    'manifest v2 host_access.rpc requires rpc:call capability',
  ],
  ...(
    [
      ['noslash', 'manifest v2 invalid host_access rpc service "noslash"'],
      ['Other.plugin/x', 'manifest v2 invalid host_access rpc service "Other.plugin/x"'],
      ['other.plugin/X', 'manifest v2 invalid host_access rpc service "other.plugin/X"'],
      ['other.plugin/', 'manifest v2 invalid host_access rpc service "other.plugin/"'],
      ['acme.tool/items', 'manifest v2 host_access rpc service "acme.tool/items" is owned by the caller'],
    ] as const
  ).map(
    ([service, msg]): Case => [
      `A.4.2: service ${service}`,
      'v2',
      (m) => {
        m.capabilities!.push('rpc:call');
        m.host_access = { rpc: [{ service, methods: ['get'] }] };
      },
      msg,
    ],
  ),
  [
    'A.4.2: suffix may hold / and ..',
    'v2',
    (m) => {
      m.capabilities!.push('rpc:call');
      m.host_access = { rpc: [{ service: 'other.plugin/a/../b', methods: ['get'] }] };
    },
    null,
  ],
  [
    'A.4.2: duplicate service',
    'v2',
    (m) => {
      m.capabilities!.push('rpc:call');
      m.host_access = { rpc: [{ service: 'o.p/x', methods: ['get'] }, { service: 'o.p/x', methods: ['put'] }] };
    },
    'manifest v2 duplicate host_access rpc service "o.p/x"',
  ],
  [
    'A.4.2: no methods (null)',
    'v2',
    (m) => {
      m.capabilities!.push('rpc:call');
      m.host_access = { rpc: [{ service: 'o.p/x', methods: null }] };
    },
    'manifest v2 host_access rpc service "o.p/x" requires methods',
  ],
  [
    'A.4.2: invalid method',
    'v2',
    (m) => {
      m.capabilities!.push('rpc:call');
      m.host_access = { rpc: [{ service: 'o.p/x', methods: ['get', 'Put'] }] };
    },
    'manifest v2 host_access rpc service "o.p/x" has invalid method "Put"',
  ],
  [
    'A.4.2: duplicate method',
    'v2',
    (m) => {
      m.capabilities!.push('rpc:call');
      m.host_access = { rpc: [{ service: 'o.p/x', methods: ['get', 'get'] }] };
    },
    'manifest v2 host_access rpc service "o.p/x" has duplicate method "get"',
  ],

  // ---- §A.4.3 interfaces ------------------------------------------------------
  ['A.4.3 step 1: empty service', 'v2', (m) => (typed(m).service = ''), 'interface service is required'],
  ['A.4.3 step 2: foreign service', 'v2', (m) => (typed(m).service = 'other.plugin/items'), 'interface service "other.plugin/items" must be under plugin id "acme.tool"'],
  ['A.4.3 step 2: bad suffix', 'v2', (m) => (typed(m).service = 'acme.tool/Items'), 'interface service "acme.tool/Items" must be under plugin id "acme.tool"'],
  ['A.4.3 step 2: bare id', 'v2', (m) => (typed(m).service = 'acme.tool/'), 'interface service "acme.tool/" must be under plugin id "acme.tool"'],
  ['A.4.3 step 3: v2 duplicate service', 'v2', (m) => m.interfaces!.push({ ...typed(m) }), `interface service "acme.tool/items" is duplicated`],
  [
    'A.4.3 step 3: v1 repeats merge',
    'v1',
    (m) => m.interfaces!.push(stringContract('acme.old/items', ['list', 'put'])),
    null,
  ],
  ['A.4.3 step 4: typed methods null', 'v2', (m) => (typed(m).methods = null), `${ID} must declare at least one method`],
  ['A.4.3 step 4: string methods []', 'v2', (m) => (m.interfaces = [stringContract('acme.tool/items', [])]), `${ID} must declare at least one method`],
  [
    'A.4.3 step 5: v2 with string methods',
    'v2',
    (m) => (m.interfaces = [{ ...stringContract('acme.tool/items', ['list', 'save']), backing: 'runtime' }]),
    `${ID} manifest v2 requires typed method objects`,
  ],
  [
    'A.4.3 step 6: v1 with typed methods',
    'v1',
    (m) =>
      (m.interfaces = [{ service: 'acme.old/items', typed: true, methods: [newMethod({ name: 'list' })], scopes: [], backing: '' }]),
    'interface "acme.old/items" typed method objects require manifest schema v2',
  ],
  ['A.4.3 step 7: invalid backing', 'v2', (m) => (typed(m).backing = 'cloud'), `${ID} has invalid backing "cloud" (want "runtime" or "core")`],
  ['A.4.3 step 8: v1 backing', 'v1', (m) => (m.interfaces![0]!.backing = 'runtime'), 'interface "acme.old/items" backing requires manifest schema v2'],
  ['A.4.3 step 9: v2 missing backing', 'v2', (m) => (typed(m).backing = ''), `${ID} must declare backing ("runtime" or "core")`],
  [
    'A.4.3 step 10: core backing on wasm',
    'v2',
    (m) => {
      m.type = 'wasm';
      typed(m).backing = 'core';
    },
    `${ID} backing "core" requires a system plugin`,
  ],
  ['A.4.3 step 10: core backing on system', 'v2', (m) => (typed(m).backing = 'core'), null],
  ['A.4.3 step 11: unknown interface scope', 'v2', (m) => (typed(m).scopes = ['node:read', 'node:write']), `${ID} invalid scope "node:write"`],
  ['A.4.3 step 11: scope shape', 'v2', (m) => (typed(m).scopes = ['Node:read']), `${ID} invalid scope "Node:read"`],
  ['A.4.3 step 11: wildcard scope', 'v2', (m) => (typed(m).scopes = ['node:*']), `${ID} invalid scope "node:*"`],
  [
    'A.5: sshguard/wireguard scopes only on integration',
    'v2',
    (m) => (typed(m).scopes = ['sshguard:read']),
    { main: `${ID} invalid scope "sshguard:read"`, integration: null },
  ],
  ['A.4.3 step 12: invalid method name', 'v2', (m) => (method(m).name = 'List'), `${ID} invalid method "List"`],
  ['A.4.3 step 12: duplicate method', 'v2', (m) => (method(m, 1).name = 'list'), `${ID} duplicate method "list"`],
  ['A.4.3 step 12: v1 duplicate method', 'v1', (m) => m.interfaces![0]!.methods!.push('list' as never), 'interface "acme.old/items" duplicate method "list"'],
  ['A.4.3 step 12: invalid effect', 'v2', (m) => (method(m).effect = 'delete'), `${ID} method "list" has invalid effect "delete"`],
  ['A.4.3 step 12: invalid method scope', 'v2', (m) => (method(m).scopes = ['bogus:scope']), `${ID} method "list" invalid scope "bogus:scope"`],
  ['A.4.3 step 12: write without scopes', 'v2', (m) => (method(m, 1).scopes = []), `${ID} method "save" effect "write" requires method scopes`],
  [
    'A.4.3 step 12: plan without scopes',
    'v2',
    (m) => {
      method(m, 1).effect = 'plan';
      method(m, 1).scopes = [];
    },
    `${ID} method "save" effect "plan" requires method scopes`,
  ],
  ['A.4.3 step 12: read without any scopes', 'v2', (m) => (method(m).scopes = []), `${ID} method "list" must declare scopes or inherit scoped interface`],
  [
    'A.4.3 step 12: read inherits interface scopes',
    'v2',
    (m) => {
      method(m).scopes = [];
      typed(m).scopes = ['node:read'];
    },
    null,
  ],
  [
    'A.4.3 step 12: too many operator target fields',
    'v2',
    (m) => {
      m.capabilities!.push('http:operator-target');
      method(m).operator_target_fields = ['a', 'b', 'c', 'd', 'e'];
    },
    `${ID} method "list" declares too many operator target fields`,
  ],
  [
    'A.4.3 step 12: invalid operator target field',
    'v2',
    (m) => {
      m.capabilities!.push('http:operator-target');
      method(m).operator_target_fields = ['Host'];
    },
    `${ID} method "list" has invalid operator target field "Host"`,
  ],
  [
    'A.4.3 step 12: duplicate operator target field',
    'v2',
    (m) => {
      m.capabilities!.push('http:operator-target');
      method(m).operator_target_fields = ['host', 'host'];
    },
    `${ID} method "list" has duplicate operator target field "host"`,
  ],
  [
    'A.4.3 step 12: operator target without capability',
    'v2',
    (m) => (method(m).operator_target_fields = ['host']),
    `${ID} method "list" operator target fields require http:operator-target capability`,
  ],
  [
    'A.4.3 step 12: operator target with capability',
    'v2',
    (m) => {
      m.capabilities!.push('http:operator-target');
      method(m).operator_target_fields = ['host', 'port', 'a.b', 'x-y'];
    },
    null,
  ],
  [
    'A.4.3 step 13: http:operator-target unused',
    'v2',
    (m) => m.capabilities!.push('http:operator-target'),
    'manifest v2 capability http:operator-target requires a method-bound operator target field',
  ],
  ...(
    [
      [{ timeout_ms: 0 }, 'timeout_ms must be positive'],
      [{ stdout_bytes: -1 }, 'stdout_bytes must be positive'],
      [{ stderr_bytes: 0 }, 'stderr_bytes must be positive'],
      [{ host_calls: -1 }, 'host_calls must be non-negative'],
      [{ timeout_ms: 30_001 }, 'timeout_ms 30001 exceeds host maximum 30000'],
      [{ stdout_bytes: 8_388_609 }, 'stdout_bytes 8388609 exceeds host maximum 8388608'],
      [{ stderr_bytes: 1_048_577 }, 'stderr_bytes 1048577 exceeds host maximum 1048576'],
      [{ host_calls: 513 }, 'host_calls 513 exceeds host maximum 512'],
      [{ timeout_ms: 30_000, stdout_bytes: 8_388_608, stderr_bytes: 1_048_576, host_calls: 512 }, null],
    ] as const
  ).map(
    ([patch, err]): Case => [
      `D.10 budget ${JSON.stringify(patch)}`,
      'v2',
      (m) => (method(m, 1).budget = { ...method(m, 1).budget!, ...patch }),
      err === null ? null : `${ID} method "save" budget: ${err}`,
    ],
  ),

  // ---- §A.4.3 UI ----------------------------------------------------------------
  ['nav: v2 allows only extensions', 'v2', (m) => (m.ui!.nav[0]!.section = 'plugins'), 'nav section "plugins" is not allowed'],
  ['nav: v1 allows plugins/proxy/regex', 'v1', (m) => (m.ui!.nav[0]!.section = 'proxy'), null],
  ['nav: v1 section regex', 'v1', (m) => (m.ui!.nav[0]!.section = 'my_section-1'), null],
  ['nav: v1 bad section', 'v1', (m) => (m.ui!.nav[0]!.section = 'Bad'), 'nav section "Bad" is not allowed'],
  ['nav: v1 extensions matches the regex', 'v1', (m) => (m.ui!.nav[0]!.section = 'extensions'), null],
  ['nav: empty title', 'v2', (m) => (m.ui!.nav[0]!.title = ''), 'nav entry needs a title and a valid route (got route "items")'],
  ['nav: bad route', 'v2', (m) => (m.ui!.nav[0]!.route = '/items'), 'nav entry needs a title and a valid route (got route "/items")'],
  ['nav: icon', 'v2', (m) => (m.ui!.nav[0]!.icon = 'Star'), 'nav icon "Star" is not allowed'],
  ['nav: scope', 'v2', (m) => (m.ui!.nav[0]!.scopes = ['root:all']), 'nav scope "root:all" invalid'],
  ['nav: section_title is not validated', 'v2', (m) => (m.ui!.nav[0]!.section_title = '\u0000'), null],
  ['view: bad route', 'v2', (m) => (m.ui!.views[0]!.route = 'Items'), 'view needs a title and a valid route (got "Items")'],
  ['view: empty title', 'v2', (m) => (m.ui!.views[0]!.title = ''), 'view needs a title and a valid route (got "items")'],
  ['view: kind', 'v2', (m) => (m.ui!.views[0]!.kind = 'builtin'), 'view kind "builtin" is not allowed'],
  ['view: sandbox without ui_runtime', 'v2', (m) => (m.ui_runtime = null), 'view "page" sandbox kind requires ui_runtime'],
  // `view %q sandbox kind requires manifest schema v2` is unreachable, as in the server: a v1
  // manifest cannot carry ui_runtime (A.2), so the ui_runtime check always fires first (§A.4.3).
  ['view: v1 sandbox', 'v1', (m) => (m.ui!.views[0]!.kind = 'sandbox'), 'view "old" sandbox kind requires ui_runtime'],
  [
    'view: sandbox with source',
    'v2',
    (m) => (m.ui!.views[1]!.source = { interface: 'acme.tool/items', method: 'list' }),
    'view "page" sandbox kind cannot declare dashboard-rendered source, columns, or actions',
  ],
  [
    'view: sandbox with columns',
    'v2',
    (m) => (m.ui!.views[1]!.columns = [{ key: 'a', label: 'A', render: '' }]),
    'view "page" sandbox kind cannot declare dashboard-rendered source, columns, or actions',
  ],
  [
    'view: source not declared',
    'v2',
    (m) => (m.ui!.views[0]!.source = { interface: 'acme.tool/items', method: 'delete' }),
    'view "items" source acme.tool/items/delete is not declared in interfaces',
  ],
  ['view: column key', 'v2', (m) => (m.ui!.views[0]!.columns[0]!.key = 'Name'), 'view "items" invalid column (key "Name" render "code")'],
  ['view: column render', 'v2', (m) => (m.ui!.views[0]!.columns[0]!.render = 'html'), 'view "items" invalid column (key "name" render "html")'],
  ['view: action label', 'v2', (m) => (m.ui!.views[0]!.actions[0]!.label = ''), 'view "items" action needs label/interface/method'],
  ['view: action method', 'v2', (m) => (m.ui!.views[0]!.actions[0]!.method = ''), 'view "items" action needs label/interface/method'],
  [
    'view: action not declared',
    'v2',
    (m) => (m.ui!.views[0]!.actions[0]!.method = 'purge'),
    'view "items" action acme.tool/items/purge is not declared in interfaces',
  ],
  [
    'view: action without scopes on an unscoped v1 contract',
    'v1',
    (m) => {
      m.interfaces![0]!.scopes = [];
      m.ui!.views[0]!.actions = [{ label: 'Go', interface: 'acme.old/items', method: 'get', form: [], scopes: [] }];
    },
    'view "old" action acme.old/items/get must declare scopes or inherit scoped interface',
  ],
  [
    'view: action scopes satisfy an unscoped v1 contract',
    'v1',
    (m) => {
      m.interfaces![0]!.scopes = [];
      m.ui!.views[0]!.actions = [{ label: 'Go', interface: 'acme.old/items', method: 'get', form: [], scopes: ['node:read'] }];
    },
    null,
  ],
  ['view: action scope', 'v2', (m) => (m.ui!.views[0]!.actions[0]!.scopes = ['x:y']), 'view "items" action scope "x:y" invalid'],
  [
    'view: form field kind',
    'v2',
    (m) => (m.ui!.views[0]!.actions[0]!.form[0]!.kind = 'date'),
    'view "items" action form invalid field (key "name" kind "date")',
  ],
  [
    'view: form field key',
    'v2',
    (m) => (m.ui!.views[0]!.actions[0]!.form[0]!.key = '_name'),
    'view "items" action form invalid field (key "_name" kind "select")',
  ],

  // ---- §A.4.4 dependencies --------------------------------------------------
  ['A.4.4: invalid dependency id', 'v2', (m) => (m.dependencies[0]!.id = 'Acme'), 'dependency "Acme" is not a valid plugin id'],
  ['A.4.4: self dependency', 'v2', (m) => (m.dependencies[0]!.id = 'acme.tool'), 'a plugin cannot depend on itself'],
  ['A.4.4: duplicate dependency', 'v2', (m) => (m.dependencies[1]!.id = 'acme.base'), 'dependency "acme.base" is duplicated'],
  ['A.4.4: invalid range', 'v2', (m) => (m.dependencies[0]!.version = '>= 1.0'), 'dependency "acme.base": invalid version comparator ">="'],
  ['A.4.4: v1 dependencies are validated too', 'v1', (m) => m.dependencies.push({ id: 'acme.old', version: '', optional: false }), 'a plugin cannot depend on itself'],
  ['A.4.4: v1 dependency range', 'v1', (m) => m.dependencies.push({ id: 'x.y', version: '^1.0', optional: false }), 'dependency "x.y": invalid version comparator "^1.0"'],
];

function goq(s: string): string {
  // Local restatement of the few %q escapes these cases need.
  return '"' + s.replace(/\\/g, '\\\\').replace(/\u0001/g, '\\x01') + '"';
}

describe('base manifests are valid on both lines', () => {
  it.each(SERVER_LINES)('%s', (line) => {
    expect(validateManifest(baseV2(), { serverLine: line })).toBeNull();
    expect(validateManifest(baseV1(), { serverLine: line })).toBeNull();
  });
});

describe.each(SERVER_LINES)('ValidateManifest on %s', (line) => {
  it.each(CASES)('%s', (_name, base, mutate, expected) => {
    const m = base === 'v1' ? baseV1() : baseV2();
    mutate(m);
    const want = expected === null || typeof expected === 'string' ? expected : expected[line];
    expect(validateManifest(m, { serverLine: line })).toBe(want);
  });
});

describe('check order follows the server', () => {
  it('core checks run before the version checks, which run before contributions and dependencies', () => {
    const m = baseV2();
    m.dependencies[0]!.id = 'BAD';
    typed(m).backing = '';
    m.bundle = null;
    m.capabilities = ['kv:read', 'kv:read'];
    expect(validateManifest(m)).toBe('capability "kv:read" is duplicated');
    m.capabilities = ['kv:read'];
    expect(validateManifest(m)).toBe('manifest v2 bundle is required');
    m.bundle = { format: 'tar+gzip', digest_sha256: 'ab'.repeat(32) };
    expect(validateManifest(m)).toBe(`${ID} must declare backing ("runtime" or "core")`);
    typed(m).backing = 'runtime';
    expect(validateManifest(m)).toBe('dependency "BAD" is not a valid plugin id');
  });
  it('host_access is checked at the end of the version checks, before interfaces', () => {
    const m = baseV2();
    m.host_access = { rpc: [{ service: 'o.p/x', methods: ['get'] }] };
    typed(m).backing = 'cloud';
    expect(validateManifest(m)).toBe('manifest v2 host_access.rpc requires rpc:call capability');
  });
  it('interfaces are checked before the UI', () => {
    const m = baseV2();
    m.ui!.nav[0]!.icon = 'Star';
    method(m).effect = 'delete';
    expect(validateManifest(m)).toBe(`${ID} method "list" has invalid effect "delete"`);
  });
});

describe('helpers', () => {
  it('goPathClean is Go path.Clean', () => {
    const cases: [string, string][] = [
      ['', '.'],
      ['a/./b/../c/', 'a/c'],
      ['../a', '../a'],
      ['a/../..', '..'],
      ['/../a', '/a'],
      ['//a//b', '/a/b'],
      ['.', '.'],
      ['/', '/'],
    ];
    for (const [input, out] of cases) expect(goPathClean(input), input).toBe(out);
  });
  it('safeBundlePath', () => {
    for (const ok of ['bin/x', 'ui/index.html', 'a..b/c', '...']) expect(safeBundlePath(ok), ok).toBe(true);
    for (const bad of ['', '.', '..', '../x', 'a/', 'a//b', './a', 'a/./b', 'a/../b', '/a', 'a\\b', 'a\tb']) {
      expect(safeBundlePath(bad), bad).toBe(false);
    }
  });
  it('validateInvokeBudget checks positivity before maxima', () => {
    expect(validateInvokeBudget({ timeout_ms: 0, stdout_bytes: 9e9, stderr_bytes: 1, host_calls: 0 })).toBe('timeout_ms must be positive');
    expect(validateInvokeBudget({ timeout_ms: 1, stdout_bytes: 1, stderr_bytes: 1, host_calls: 0 })).toBeNull();
  });
});
