// A worked server-side example of the library (README "Library"): what a
// Lattice server embedding the verifier would run to install one plugin —
// the same steps `lattice-index install` takes, without the CLI.
//
//   node examples/server-side.mjs INDEX_URL POLICY_FILE PLUGIN_ID PLUGIN_DIR
//
// `npm run build` first (the example imports the package by its own name,
// which Node resolves to this checkout's dist/ through package.json exports).
// test/cli/library-example.test.ts runs installVerified() end to end.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseInstallPolicy, verifyIndex, verifyInstall } from '@latticenet/plugin-index';
import { nodeBundleCodec } from '@latticenet/plugin-index/bundle';
import { appendAuditRecord, createHttpsFetcher, fetchBytes, fetcherOptionsFromLimits, openPluginStage, readIndexStateFile, writeIndexStateFile } from '@latticenet/plugin-index/node';

/**
 * Verify one plugin end to end and place it; returns what was installed.
 * Throws the pipeline's coded error (VerificationError / PolicyError) on any refusal.
 */
export async function installVerified({ indexUrl, policyFile, pluginId, pluginDir, fetcher, now = Date.now() }) {
  // 1. The operator's policy: trusted index keys, publishers, host profile, limits.
  const parsed = parseInstallPolicy(await readFile(policyFile));
  if (!parsed.ok) throw parsed.error;
  const policy = parsed.policy;
  const policyDir = path.dirname(path.resolve(policyFile));
  fetcher ??= createHttpsFetcher(fetcherOptionsFromLimits(policy.limits));

  // 2. The signed index, fetched with the policy's byte cap and verified on its
  //    own: threshold of trusted keys, official, not expired, no rollback
  //    against the stored state. (verifyInstall repeats this as its step 1;
  //    verifyIndex alone is what a server runs to list what it may install.)
  const statePath = path.resolve(policyDir, policy.stateFile);
  const state = await readIndexStateFile(statePath);
  const indexBytes = await fetchBytes(fetcher, indexUrl, { maxBytes: policy.limits.maxIndexBytes, purpose: 'index' });
  const index = verifyIndex(indexBytes, policy.index.trust, { now, ...(state ? { state } : {}) });
  if (!index.ok) throw index.error;
  const revoked = index.verified.revocations.releases.map((r) => `${r.plugin}@${r.version}`);

  // 3. The eight-step pipeline (index, select, publisher, manifest, artifact,
  //    capabilities, runner, decision), streaming the artifact into a stage.
  const stage = await openPluginStage(pluginDir);
  try {
    const result = await verifyInstall({
      indexBytes,
      policy,
      pluginId,
      fetcher,
      codec: nodeBundleCodec,
      now,
      ...(state ? { state } : {}),
      spool: stage.spool,
      // A server shows this summary to its operator; approve only what they approved.
      approve: (summary) => summary.capabilities.every((c) => c.risk !== 'host'),
    });
    if (result.nextState) await writeIndexStateFile(statePath, result.nextState, now);
    if (!result.ok) throw result.error;
    if (!result.approved) throw new Error(`${pluginId}: not approved`);
    const placed = await stage.commit(result.candidate.plugin.id, result.candidate.manifestBytes);
    await appendAuditRecord(path.resolve(policyDir, policy.auditLog), {
      time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      event: 'plugin.install',
      plugin: pluginId,
      version: result.candidate.release.version,
      artifact_sha256: result.candidate.artifactSha256,
    });
    return { path: placed.path, version: result.candidate.release.version, generation: index.verified.generation, revoked, steps: result.steps };
  } finally {
    await stage.abort();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [indexUrl, policyFile, pluginId, pluginDir] = process.argv.slice(2);
  if (!pluginDir) {
    console.error('usage: node examples/server-side.mjs INDEX_URL POLICY_FILE PLUGIN_ID PLUGIN_DIR');
    process.exit(2);
  }
  try {
    const r = await installVerified({ indexUrl, policyFile, pluginId, pluginDir });
    console.log(`installed ${pluginId} ${r.version} → ${r.path}`);
  } catch (e) {
    console.error(`${e.code ?? 'ERROR'}: ${e.message}`);
    process.exit(1);
  }
}
