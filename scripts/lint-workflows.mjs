#!/usr/bin/env node
/**
 * Lint the GitHub Actions workflows in .github/workflows/ (`npm run lint:workflows`).
 *
 * Actions cannot run here, so this is the check that a workflow would at least
 * load and follows this repository's supply-chain rules. It parses each file
 * with the `yaml` package (YAML 1.2, duplicate keys rejected) and checks:
 *
 * - structure  — top-level, job and step members GitHub knows; `on` and
 *                `jobs` present; each job has `runs-on`, a timeout and steps;
 *                each step has exactly one of `uses`/`run`; `needs` names
 *                existing jobs without cycles;
 * - events     — known triggers; `pull_request_target` is refused (it runs
 *                untrusted code with secrets); cron lines have five fields;
 * - permissions— explicit at the top; known scopes with read/write/none;
 *                never `write-all`/`read-all`; a workflow triggered by
 *                pull_request grants no write permission anywhere;
 * - pinning    — every remote action is `owner/repo@<40-hex SHA>` with a
 *                `# vX…` comment naming the tag; one SHA per action across
 *                all workflows; no `docker://`;
 * - expressions— `${{ }}` balanced; only known contexts; `secrets.*` only in
 *                a step's `env` and only the documented secrets; `vars.*`
 *                only documented variables; `matrix.*` keys defined in the
 *                job's matrix; `needs.*` among the job's needs; no expression
 *                inside `run:` (script injection: pass values through env);
 * - scripts    — `npm run <name>` names a script in package.json; `node <file>`
 *                names a file in the repository (dist/ is built);
 * - checkout   — a job without `contents: write` checks out with
 *                `persist-credentials: false`;
 * - node       — a pull_request workflow that sets up Node tests the exact
 *                minimum version from package.json `engines` and a newer one.
 *
 * Usage: node scripts/lint-workflows.mjs [--json] [files…]
 * Exit: 0 clean, 1 findings, 2 unreadable input.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';

/** Secrets the workflows may use (documented in CONTRIBUTING.md). */
export const ALLOWED_SECRETS = new Set(['GITHUB_TOKEN', 'LATTICE_INDEX_SEED', 'LATTICE_REPO_ONLINE_SEED']);
/** Repository variables the workflows may use. */
export const ALLOWED_VARS = new Set(['LATTICE_INDEX_PUBLISHER', 'LATTICE_INDEX_PUBLIC_KEY', 'LATTICE_REPO_ROOT_SHA256']);

const TOP_KEYS = new Set(['name', 'run-name', 'on', 'permissions', 'env', 'defaults', 'concurrency', 'jobs']);
const JOB_KEYS = new Set([
  'name', 'permissions', 'needs', 'if', 'runs-on', 'environment', 'concurrency', 'outputs', 'env', 'defaults',
  'steps', 'timeout-minutes', 'strategy', 'continue-on-error', 'container', 'services', 'uses', 'with', 'secrets',
]);
const STEP_KEYS = new Set(['id', 'if', 'name', 'uses', 'run', 'with', 'env', 'shell', 'working-directory', 'continue-on-error', 'timeout-minutes']);
const EVENTS = new Set([
  'branch_protection_rule', 'check_run', 'check_suite', 'create', 'delete', 'deployment', 'deployment_status', 'discussion',
  'discussion_comment', 'fork', 'gollum', 'issue_comment', 'issues', 'label', 'merge_group', 'milestone', 'page_build',
  'public', 'pull_request', 'pull_request_review', 'pull_request_review_comment', 'pull_request_target', 'push',
  'registry_package', 'release', 'repository_dispatch', 'schedule', 'status', 'watch', 'workflow_call',
  'workflow_dispatch', 'workflow_run',
]);
const PERMISSION_SCOPES = new Set([
  'actions', 'attestations', 'checks', 'contents', 'deployments', 'discussions', 'id-token', 'issues', 'models',
  'packages', 'pages', 'pull-requests', 'repository-projects', 'security-events', 'statuses',
]);
const CONTEXTS = new Set(['github', 'env', 'vars', 'secrets', 'matrix', 'steps', 'needs', 'runner', 'job', 'jobs', 'strategy', 'inputs']);
const FUNCTIONS = new Set(['contains', 'startsWith', 'endsWith', 'format', 'join', 'toJSON', 'fromJSON', 'hashFiles', 'success', 'always', 'cancelled', 'failure']);

/** `owner/repo[/path]@<40 hex>` */
export const PINNED_USES_RE = /^([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)(\/[A-Za-z0-9_./-]+)?@([0-9a-f]{40})$/;
/** The comment after a pinned `uses:` naming the tag, e.g. `# v4.2.2`. */
export const VERSION_COMMENT_RE = /#\s*v\d+(?:\.\d+){0,2}\b/;

/**
 * Parse a workflow file with positions.
 * @param {string} text
 * @returns {{ doc: import('yaml').Document, lc: LineCounter, lines: string[] }}
 */
export function parseWorkflow(text) {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, strict: true, prettyErrors: false, version: '1.2' });
  return { doc, lc, lines: text.split('\n') };
}

/**
 * Is `uses` pinned by a full commit SHA with a version comment on its line?
 * @param {string} uses - the value.
 * @param {string} rawLine - the source line holding it.
 * @returns {string | null} a problem, or null when fine (local actions `./…` are fine).
 */
export function usesProblem(uses, rawLine) {
  if (typeof uses !== 'string') return 'uses must be a string';
  if (uses.startsWith('./')) return null;
  if (uses.startsWith('docker://')) return `docker actions are not allowed (${uses}); use a pinned JavaScript action or a run step`;
  if (!PINNED_USES_RE.test(uses)) return `action ${uses} must be pinned by a full 40-character commit SHA (owner/repo@<sha> # vX.Y.Z)`;
  if (!VERSION_COMMENT_RE.test(rawLine.slice(rawLine.indexOf(uses) + uses.length))) return `pinned action ${uses} needs a "# vX.Y.Z" comment naming the tag the SHA belongs to`;
  return null;
}

/**
 * Lint one workflow.
 * @param {string} text - file content.
 * @param {string} file - path shown in findings.
 * @param {{ scripts: Set<string>, engineFloor?: string, root: string }} ctx
 * @returns {{ findings: {file:string,line:number,column:number,rule:string,message:string}[], pins: {action:string,sha:string,line:number}[] }}
 */
export function lintWorkflow(text, file, ctx) {
  const findings = [];
  const pins = [];
  const { doc, lc, lines } = parseWorkflow(text);
  const pos = (node) => {
    const off = node?.range?.[0] ?? 0;
    const p = lc.linePos(off);
    return { line: p.line, column: p.col };
  };
  const report = (node, rule, message) => findings.push({ file, ...pos(node), rule, message });
  for (const e of doc.errors) {
    const p = lc.linePos(e.pos[0]);
    findings.push({ file, line: p.line, column: p.col, rule: 'yaml', message: e.message.split('\n')[0] });
  }
  if (doc.errors.length > 0) return { findings, pins };
  const root = doc.contents;
  if (!isMap(root)) {
    report(root, 'structure', 'a workflow is a mapping');
    return { findings, pins };
  }
  const get = (map, key) => (isMap(map) ? map.items.find((p) => isScalar(p.key) && p.key.value === key) : undefined);
  const keysOf = (map) => (isMap(map) ? map.items.map((p) => p.key) : []);
  const js = (node) => (node && typeof node.toJSON === 'function' ? node.toJSON() : node?.value);

  for (const k of keysOf(root)) if (!TOP_KEYS.has(k.value)) report(k, 'structure', `unknown top-level key ${JSON.stringify(k.value)}`);
  const onPair = get(root, 'on');
  const jobsPair = get(root, 'jobs');
  if (!onPair) report(root, 'structure', 'missing "on"');
  if (!jobsPair) report(root, 'structure', 'missing "jobs"');

  // events
  const events = new Set();
  if (onPair) {
    const on = onPair.value;
    const names = isScalar(on) ? [on] : isSeq(on) ? on.items : isMap(on) ? on.items.map((p) => p.key) : [];
    for (const n of names) {
      const name = isScalar(n) ? n.value : undefined;
      if (!EVENTS.has(name)) report(n, 'events', `unknown event ${JSON.stringify(name)}`);
      else events.add(name);
      if (name === 'pull_request_target') report(n, 'events', 'pull_request_target runs untrusted pull request code with secrets and a write token; use pull_request');
    }
    const schedule = get(on, 'schedule');
    if (schedule) {
      for (const item of isSeq(schedule.value) ? schedule.value.items : []) {
        const cron = js(get(item, 'cron')?.value);
        if (typeof cron !== 'string' || cron.trim().split(/\s+/).length !== 5) report(item, 'events', `schedule cron must have five fields, found ${JSON.stringify(cron)}`);
      }
    }
  }
  const isPR = events.has('pull_request');

  // permissions
  const checkPermissions = (pair, where) => {
    const v = pair.value;
    if (isScalar(v)) {
      report(v, 'permissions', `${where} permissions must list scopes explicitly, found ${JSON.stringify(v.value)}`);
      return {};
    }
    if (!isMap(v)) {
      report(pair.key, 'permissions', `${where} permissions must be a mapping`);
      return {};
    }
    const out = {};
    for (const p of v.items) {
      const scope = p.key.value;
      const level = js(p.value);
      if (!PERMISSION_SCOPES.has(scope)) report(p.key, 'permissions', `unknown permission scope ${JSON.stringify(scope)}`);
      if (!['read', 'write', 'none'].includes(level)) report(p.value ?? p.key, 'permissions', `permission ${scope} must be read, write or none, found ${JSON.stringify(level)}`);
      if (isPR && level === 'write') report(p.value, 'permissions', `a pull_request workflow must not grant ${scope}: write (fork code runs here)`);
      out[scope] = level;
    }
    return out;
  };
  const topPermPair = get(root, 'permissions');
  const topPerms = topPermPair ? checkPermissions(topPermPair, 'workflow') : undefined;
  if (!topPermPair) report(root, 'permissions', 'set top-level "permissions" explicitly (read-only or {}); the default token may be writable');
  checkExpressionsIn(get(root, 'env')?.value, { where: 'workflow env' });

  // jobs
  const jobs = jobsPair && isMap(jobsPair.value) ? jobsPair.value : undefined;
  if (jobsPair && (!jobs || jobs.items.length === 0)) report(jobsPair.key, 'structure', '"jobs" must be a non-empty mapping');
  const jobIds = new Set((jobs?.items ?? []).map((p) => p.key.value));
  const needsGraph = new Map();
  for (const jobPair of jobs?.items ?? []) {
    const id = jobPair.key.value;
    const job = jobPair.value;
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(String(id))) report(jobPair.key, 'structure', `job id ${JSON.stringify(id)} must start with a letter or _ and contain only letters, digits, - and _`);
    if (!isMap(job)) {
      report(jobPair.key, 'structure', `job ${id} must be a mapping`);
      continue;
    }
    for (const k of keysOf(job)) if (!JOB_KEYS.has(k.value)) report(k, 'structure', `job ${id}: unknown key ${JSON.stringify(k.value)}`);
    const needsVal = js(get(job, 'needs')?.value);
    const needs = needsVal === undefined ? [] : Array.isArray(needsVal) ? needsVal : [needsVal];
    for (const n of needs) if (!jobIds.has(n)) report(get(job, 'needs').value, 'structure', `job ${id} needs unknown job ${JSON.stringify(n)}`);
    needsGraph.set(id, needs);
    if (get(job, 'uses')) continue; // reusable workflow call: no steps here
    if (!get(job, 'runs-on')) report(jobPair.key, 'structure', `job ${id} has no runs-on`);
    if (!get(job, 'timeout-minutes')) report(jobPair.key, 'structure', `job ${id} has no timeout-minutes (the default is 6 hours)`);
    const jobPermPair = get(job, 'permissions');
    const perms = jobPermPair ? checkPermissions(jobPermPair, `job ${id}`) : topPerms ?? {};
    const matrixNode = get(get(job, 'strategy')?.value, 'matrix')?.value;
    const matrixKeys = new Set(isMap(matrixNode) ? matrixNode.items.map((p) => p.key.value).filter((k) => k !== 'include' && k !== 'exclude') : []);
    for (const inc of isMap(matrixNode) ? js(get(matrixNode, 'include')?.value) ?? [] : []) for (const k of Object.keys(inc ?? {})) matrixKeys.add(k);
    const stepIds = new Set();
    const stepsPair = get(job, 'steps');
    const steps = stepsPair && isSeq(stepsPair.value) ? stepsPair.value.items : [];
    if (!stepsPair || steps.length === 0) report(jobPair.key, 'structure', `job ${id} has no steps`);
    for (const s of steps) {
      const sid = js(get(s, 'id')?.value);
      if (sid !== undefined) stepIds.add(sid);
    }
    const exprCtx = { where: `job ${id}`, matrixKeys, stepIds, needs: new Set(needs) };
    for (const key of ['name', 'if', 'runs-on', 'env', 'environment', 'concurrency', 'outputs', 'timeout-minutes']) {
      checkExpressionsIn(get(job, key)?.value, { ...exprCtx, noSecrets: true });
    }
    let setupNode = false;
    for (const step of steps) {
      if (!isMap(step)) {
        report(step, 'structure', `job ${id}: a step must be a mapping`);
        continue;
      }
      for (const k of keysOf(step)) if (!STEP_KEYS.has(k.value)) report(k, 'structure', `job ${id}: unknown step key ${JSON.stringify(k.value)}`);
      const usesPair = get(step, 'uses');
      const runPair = get(step, 'run');
      if (!!usesPair === !!runPair) report(step, 'structure', `job ${id}: a step has exactly one of "uses" and "run"`);
      if (runPair && get(step, 'with')) report(get(step, 'with').key, 'structure', `job ${id}: "with" belongs to "uses" steps`);
      if (usesPair && get(step, 'shell')) report(get(step, 'shell').key, 'structure', `job ${id}: "shell" belongs to "run" steps`);
      if (usesPair) {
        const uses = js(usesPair.value);
        const line = lines[pos(usesPair.value).line - 1] ?? '';
        const problem = usesProblem(uses, line);
        if (problem) report(usesPair.value, 'pinning', problem);
        const m = typeof uses === 'string' ? PINNED_USES_RE.exec(uses) : null;
        if (m) pins.push({ action: m[1] + (m[2] ?? ''), sha: m[3], line: pos(usesPair.value).line });
        const action = m ? m[1] : '';
        if (action === 'actions/checkout') {
          const persist = js(get(get(step, 'with')?.value, 'persist-credentials')?.value);
          if (perms.contents !== 'write' && persist !== false) report(usesPair.value, 'checkout', `job ${id} does not push: check out with persist-credentials: false so the token is not left in .git/config`);
        }
        if (action === 'actions/setup-node') setupNode = get(get(step, 'with')?.value, 'node-version')?.value;
        checkExpressionsIn(get(step, 'with')?.value, { ...exprCtx, noSecrets: true });
      }
      if (runPair) {
        const run = js(runPair.value);
        if (typeof run !== 'string') report(runPair.value, 'structure', `job ${id}: run must be a string`);
        else {
          if (run.includes('${{')) report(runPair.value, 'expressions', `job ${id}: no \${{ }} inside run: (script injection); pass the value through the step's env`);
          checkScripts(run, runPair.value);
        }
      }
      checkExpressionsIn(get(step, 'env')?.value, exprCtx);
      for (const key of ['name', 'if', 'working-directory', 'timeout-minutes']) checkExpressionsIn(get(step, key)?.value, { ...exprCtx, noSecrets: true });
    }
    // The exact Node floor and a newer line, for pull requests.
    if (isPR && setupNode && ctx.engineFloor) {
      const versions = isMap(matrixNode) ? js(get(matrixNode, 'node')?.value) : undefined;
      const usesMatrix = isScalar(setupNode) && /\$\{\{\s*matrix\.node\s*\}\}/.test(String(setupNode.value));
      if (!usesMatrix || !Array.isArray(versions) || !versions.map(String).includes(ctx.engineFloor) || versions.length < 2) {
        report(setupNode, 'node', `job ${id}: test the exact minimum Node version ${ctx.engineFloor} (package.json engines) and a newer one: matrix.node plus node-version: \${{ matrix.node }}`);
      }
    }
  }
  // needs: no cycles
  const visiting = new Set();
  const done = new Set();
  const cyclic = (j) => {
    if (done.has(j)) return false;
    if (visiting.has(j)) return true;
    visiting.add(j);
    const c = (needsGraph.get(j) ?? []).some(cyclic);
    visiting.delete(j);
    done.add(j);
    return c;
  };
  for (const j of needsGraph.keys()) if (cyclic(j)) report(jobsPair.key, 'structure', `jobs have a needs cycle through ${j}`);
  return { findings, pins };

  function checkScripts(run, node) {
    for (const m of run.matchAll(/\bnpm\s+(?:run|run-script)\s+([A-Za-z0-9:_.-]+)/g)) {
      if (!ctx.scripts.has(m[1])) report(node, 'scripts', `npm script ${JSON.stringify(m[1])} is not defined in package.json`);
    }
    for (const m of run.matchAll(/(?:^|[\s;&|(])node\s+((?:\.\/)?[A-Za-z0-9_./-]+\.(?:m?js|cjs))\b/g)) {
      const f = m[1];
      if (f.startsWith('dist/') || f.startsWith('./dist/')) continue; // built by npm run build
      if (!existsSync(path.join(ctx.root, f))) report(node, 'scripts', `node script ${f} does not exist`);
    }
  }

  function checkExpressionsIn(node, ectx) {
    if (!node) return;
    if (isMap(node)) {
      for (const p of node.items) {
        checkExpressionsIn(p.key, ectx);
        checkExpressionsIn(p.value, ectx);
      }
      return;
    }
    if (isSeq(node)) {
      for (const x of node.items) checkExpressionsIn(x, ectx);
      return;
    }
    if (!isScalar(node) || typeof node.value !== 'string') return;
    const s = node.value;
    let i = 0;
    let outside = '';
    for (;;) {
      const open = s.indexOf('${{', i);
      if (open < 0) {
        outside += s.slice(i);
        break;
      }
      outside += s.slice(i, open);
      const close = s.indexOf('}}', open + 3);
      if (close < 0) {
        report(node, 'expressions', `unterminated \${{ in ${JSON.stringify(s)}`);
        break;
      }
      const expr = s.slice(open + 3, close);
      if (expr.includes('${{')) report(node, 'expressions', `nested \${{ in ${JSON.stringify(s)}`);
      checkExpression(expr, node, ectx);
      i = close + 2;
    }
    if (outside.includes('}}')) report(node, 'expressions', `unbalanced "}}" in ${JSON.stringify(s)}`);
  }

  function checkExpression(expr, node, ectx) {
    const code = expr.replace(/'(?:[^']|'')*'/g, "''"); // drop string literals
    for (const m of code.matchAll(/(?<![\w.-])([A-Za-z_][A-Za-z0-9_-]*)((?:\.[A-Za-z_*][A-Za-z0-9_-]*|\[[^\]]*\])*)(\s*\()?/g)) {
      const [, head, rest, call] = m;
      if (call) {
        if (!FUNCTIONS.has(head)) report(node, 'expressions', `unknown function ${head}() in \${{${expr}}}`);
        continue;
      }
      if (['true', 'false', 'null'].includes(head)) continue;
      if (!CONTEXTS.has(head)) {
        report(node, 'expressions', `unknown context ${JSON.stringify(head)} in \${{${expr}}}`);
        continue;
      }
      const first = /^\.([A-Za-z_][A-Za-z0-9_-]*)/.exec(rest)?.[1];
      if (head === 'secrets') {
        if (ectx.noSecrets || ectx.where === 'workflow env') report(node, 'expressions', `secrets may only be read in a step's env (${ectx.where}), so each step sees only what it needs`);
        if (first && !ALLOWED_SECRETS.has(first)) report(node, 'expressions', `secret ${first} is not one of the documented secrets (${[...ALLOWED_SECRETS].join(', ')})`);
      } else if (head === 'vars') {
        if (first && !ALLOWED_VARS.has(first)) report(node, 'expressions', `variable ${first} is not one of the documented repository variables (${[...ALLOWED_VARS].join(', ')})`);
      } else if (head === 'matrix') {
        if (first && !(ectx.matrixKeys ?? new Set()).has(first)) report(node, 'expressions', `matrix.${first} is not defined in the job's strategy.matrix`);
      } else if (head === 'steps') {
        if (first && !(ectx.stepIds ?? new Set()).has(first)) report(node, 'expressions', `steps.${first} names no step id of this job`);
      } else if (head === 'needs') {
        if (first && !(ectx.needs ?? new Set()).has(first)) report(node, 'expressions', `needs.${first} is not among the job's needs`);
      }
    }
  }
}

/**
 * The exact minimum Node version from package.json `engines.node` (`>=20.19` → `20.19.0`).
 * @param {string | undefined} range
 */
export function engineFloor(range) {
  const m = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(String(range ?? '').trim());
  return m ? `${m[1]}.${m[2] ?? 0}.${m[3] ?? 0}` : undefined;
}

/**
 * Lint every workflow of a repository (or the given files).
 * @param {string} root - repository root.
 * @param {string[]} [files] - workflow files; default: all of .github/workflows.
 */
export function lintWorkflows(root, files) {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const ctx = { root, scripts: new Set(Object.keys(pkg.scripts ?? {})), engineFloor: engineFloor(pkg.engines?.node) };
  const dir = path.join(root, '.github/workflows');
  const list = files ?? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(dir, f));
  const findings = [];
  const shas = new Map();
  for (const f of list) {
    const shown = path.relative(root, path.resolve(f)).split(path.sep).join('/');
    const r = lintWorkflow(readFileSync(f, 'utf8'), shown, ctx);
    findings.push(...r.findings);
    for (const p of r.pins) {
      const prev = shas.get(p.action);
      if (prev && prev.sha !== p.sha) findings.push({ file: shown, line: p.line, column: 1, rule: 'pinning', message: `${p.action} is pinned to ${p.sha} here but to ${prev.sha} in ${prev.file}; use one SHA` });
      else if (!prev) shas.set(p.action, { ...p, file: shown });
    }
  }
  return { files: list.length, findings };
}

function main(argv) {
  const json = argv.includes('--json');
  const files = argv.filter((a) => a !== '--json');
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  let result;
  try {
    result = lintWorkflows(root, files.length > 0 ? files : undefined);
  } catch (e) {
    process.stderr.write(`lint-workflows: ${e.message}\n`);
    return 2;
  }
  if (json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else {
    for (const f of result.findings) process.stdout.write(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.rule}]\n`);
    process.stdout.write(`lint-workflows: ${result.files} workflow(s), ${result.findings.length} finding(s)\n`);
  }
  return result.findings.length > 0 ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
