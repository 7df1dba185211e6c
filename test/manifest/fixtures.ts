/**
 * Hand-written base manifests for rule tests: one valid v2 and one valid v1
 * manifest exercising every struct, decoded through the strict decoder.
 */
import { decodeManifest } from '../../src/domain/manifest/index.js';
import type { Manifest } from '../../src/domain/manifest/index.js';

export const BASE_V2_JSON = {
  schema: 'lattice.plugin.manifest.v2',
  id: 'acme.tool',
  name: 'Tool',
  type: 'system',
  capabilities: ['kv:read', 'node:read'],
  version: '1.2.3',
  publisher: 'acme',
  bundle: { format: 'tar+gzip', digest_sha256: 'ab'.repeat(32) },
  runtime: { protocol: 'stdio-json-v1', entrypoints: { 'linux/amd64': 'bin/linux-amd64/tool', 'linux/arm64': 'bin/linux-arm64/tool' } },
  ui_runtime: { mode: 'sandbox', entrypoint: 'ui/index.html', bridge_version: '1' },
  compatibility: { server: '>=0.2.1', dashboard_host: '>=1', runtime_protocol: '>=1' },
  min_server: '0.2.1',
  ui: {
    nav: [{ section: 'extensions', section_title: 'Extensions', title: 'Items', route: 'items', icon: 'Boxes', scopes: ['node:read'] }],
    views: [
      {
        route: 'items',
        title: 'Items',
        kind: 'table',
        source: { interface: 'acme.tool/items', method: 'list' },
        columns: [{ key: 'name', label: 'Name', render: 'code' }],
        actions: [
          {
            label: 'Save',
            interface: 'acme.tool/items',
            method: 'save',
            form: [{ key: 'name', label: 'Name', kind: 'select', options: ['a', 'b'] }],
            scopes: ['node:read'],
          },
        ],
      },
      { route: 'page', title: 'Page', kind: 'sandbox' },
    ],
  },
  interfaces: [
    {
      service: 'acme.tool/items',
      methods: [
        { name: 'list', effect: 'read', scopes: ['node:read'] },
        { name: 'save', effect: 'write', scopes: ['kv:write'], budget: { timeout_ms: 5000, stdout_bytes: 1024, stderr_bytes: 1024, host_calls: 0 } },
      ],
      backing: 'runtime',
    },
  ],
  dependencies: [{ id: 'acme.base', version: '>=1.0, <2' }, { id: 'acme.extra', optional: true }],
};

export const BASE_V1_JSON = {
  id: 'acme.old',
  name: 'Old',
  type: 'system',
  capabilities: ['node:read', 'kv:read'],
  version: '1.0',
  entrypoint: 'system-go/old',
  publisher: 'acme',
  digest_sha256: 'cd'.repeat(32),
  ui: {
    nav: [{ section: 'plugins', title: 'Old', route: 'old' }],
    views: [{ route: 'old', title: 'Old', kind: 'table', source: { interface: 'acme.old/items', method: 'list' } }],
  },
  interfaces: [{ service: 'acme.old/items', methods: ['list', 'get'], scopes: ['node:read'] }],
};

export function decodeJSON(value: unknown): Manifest {
  const r = decodeManifest(JSON.stringify(value));
  if (!r.ok) throw new Error(r.message);
  return r.manifest;
}

export const baseV2 = (): Manifest => decodeJSON(BASE_V2_JSON);
export const baseV1 = (): Manifest => decodeJSON(BASE_V1_JSON);
