#!/usr/bin/env node
/**
 * Run a GitHub Actions workflow's steps locally, in order, in a temporary
 * clone — so the workflows in .github/workflows/ are exercised by `npm test`
 * even though Actions cannot run here.
 *
 *   node scripts/run-workflow.mjs .github/workflows/sign.yml \
 *     [--repo DIR] [--ref REF] [--job ID] [--work-dir DIR] \
 *     [--secret NAME]... [--var NAME=VALUE]... [--github KEY=VALUE]... \
 *     [--matrix KEY=VALUE]... [--env NAME=VALUE]... [--link-node-modules DIR] \
 *     [--timeout-ms N] [--result FILE]
 *
 * `--env` adds a variable to every step, as a runner's environment would
 * (e.g. SOURCE_DATE_EPOCH to run the scheduled re-signing "25 days later").
 *
 * What it does, and what it deliberately does not:
 * - lints the workflow first (scripts/lint-workflows.mjs) and refuses to run
 *   one that fails, so every `uses:` is checked to be pinned by SHA;
 * - clones the repository twice: a bare `origin.git` and a working clone of
 *   it at `--ref`, so `git push origin …` in a step lands in the temporary
 *   origin, never in the real repository;
 * - runs each job's `run:` steps with the shell GitHub uses (`bash -e`, or
 *   `bash --noprofile --norc -eo pipefail` for `shell: bash`), a clean
 *   environment (PATH, HOME and the GitHub defaults only, plus the
 *   workflow/job/step `env`), GITHUB_ENV / GITHUB_OUTPUT / GITHUB_PATH /
 *   GITHUB_STEP_SUMMARY files, and a timeout per step;
 * - `uses:` steps are not run: checkout is the clone itself, setup-node is
 *   the Node running this script, other actions (Pages upload/deploy) are
 *   reported as skipped;
 * - expressions: only plain references are evaluated — `secrets.NAME` (from
 *   this process's environment, only when allowed with `--secret NAME`),
 *   `vars.NAME`, `matrix.KEY`, `github.KEY`, `runner.temp|os`, `env.NAME`,
 *   `steps.ID.outputs.NAME` and quoted literals. Anything else (and any job
 *   or step `if:`) stops the run: it fails closed rather than guess;
 * - `--link-node-modules DIR` links DIR/node_modules into the clone and skips
 *   a step that is exactly `npm ci` or `npm ci --no-audit --no-fund` (no
 *   network in tests); any other step
 *   that would install or prune packages is refused, so the linked tree is
 *   never modified.
 *
 * Exit: 0 every step passed, 1 a step failed, 2 usage or setup error.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lintWorkflows, parseWorkflow, usesProblem } from './lint-workflows.mjs';

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

class SetupError extends Error {}

function parseArgs(argv) {
  const o = { secrets: [], vars: {}, github: {}, matrix: {}, env: {}, timeoutMs: DEFAULT_TIMEOUT_MS };
  const rest = [];
  const kv = (s, flag) => {
    const i = s.indexOf('=');
    if (i <= 0) throw new SetupError(`${flag} expects NAME=VALUE, found ${JSON.stringify(s)}`);
    return [s.slice(0, i), s.slice(i + 1)];
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new SetupError(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--repo': o.repo = next(); break;
      case '--ref': o.ref = next(); break;
      case '--job': o.job = next(); break;
      case '--work-dir': o.workDir = next(); break;
      case '--secret': o.secrets.push(next()); break;
      case '--var': { const [k, v] = kv(next(), a); o.vars[k] = v; break; }
      case '--github': { const [k, v] = kv(next(), a); o.github[k] = v; break; }
      case '--matrix': { const [k, v] = kv(next(), a); o.matrix[k] = v; break; }
      case '--env': { const [k, v] = kv(next(), a); o.env[k] = v; break; }
      case '--link-node-modules': o.linkNodeModules = path.resolve(next()); break;
      case '--timeout-ms': o.timeoutMs = Number(next()); break;
      case '--result': o.result = path.resolve(next()); break;
      default:
        if (a.startsWith('--')) throw new SetupError(`unknown option ${a}`);
        rest.push(a);
    }
  }
  if (rest.length !== 1) throw new SetupError('usage: run-workflow.mjs <workflow.yml> [options]');
  if (!(o.timeoutMs > 0)) throw new SetupError('--timeout-ms must be positive');
  o.workflow = rest[0];
  return o;
}

function git(args, cwd) {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
  if (r.status !== 0) throw new SetupError(`git ${args.join(' ')} failed: ${(r.stderr || '').trim()}`);
  return r.stdout.trim();
}

/** Evaluate the plain `${{ ref }}` expressions of a string; anything else is refused. */
export function interpolate(s, scope) {
  if (typeof s !== 'string') return s === undefined || s === null ? '' : String(s);
  return s.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, raw) => {
    const expr = raw.trim();
    const lit = /^'((?:[^']|'')*)'$/.exec(expr);
    if (lit) return lit[1].replace(/''/g, "'");
    const m = /^([a-z_]+)((?:\.[A-Za-z0-9_-]+)+)$/.exec(expr);
    if (!m) throw new SetupError(`unsupported expression \${{ ${expr} }} (this runner evaluates plain context references only)`);
    const [head, ...parts] = [m[1], ...m[2].slice(1).split('.')];
    const fail = () => { throw new SetupError(`\${{ ${expr} }} is not available (pass it with --secret/--var/--github/--matrix)`); };
    switch (head) {
      case 'secrets': {
        if (parts.length !== 1) fail();
        if (!scope.secrets.has(parts[0])) fail();
        return scope.secrets.get(parts[0]);
      }
      case 'vars': case 'matrix': case 'github': case 'runner': case 'env': {
        if (parts.length !== 1) fail();
        const v = scope[head][parts[0]];
        if (v === undefined) fail();
        return String(v);
      }
      case 'steps': {
        if (parts.length !== 3 || parts[1] !== 'outputs') fail();
        const v = scope.steps[parts[0]]?.[parts[2]];
        if (v === undefined) fail();
        return v;
      }
      default:
        return fail();
    }
  });
}

function evalEnv(map, scope) {
  const out = {};
  for (const [k, v] of Object.entries(map ?? {})) out[k] = interpolate(typeof v === 'string' ? v : String(v), scope);
  return out;
}

/** Parse a GITHUB_ENV / GITHUB_OUTPUT file: NAME=value lines and NAME<<DELIM blocks. */
export function parseCommandFile(text) {
  const out = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delim] = heredoc;
      const body = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) body.push(lines[i]);
      if (i >= lines.length) throw new SetupError(`unterminated ${name}<<${delim} block`);
      out[name] = body.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new SetupError(`malformed line in a command file: ${JSON.stringify(line)}`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

function jobOrder(jobs, only) {
  if (only !== undefined) {
    if (!jobs[only]) throw new SetupError(`no job ${JSON.stringify(only)}`);
    return [only];
  }
  const order = [];
  const seen = new Set();
  const visit = (id) => {
    if (seen.has(id)) return;
    seen.add(id);
    const needs = jobs[id].needs === undefined ? [] : [].concat(jobs[id].needs);
    needs.forEach(visit);
    order.push(id);
  };
  Object.keys(jobs).forEach(visit);
  return order;
}

function runScript(shell, file, cwd, env, timeoutMs) {
  const argv = shell === undefined ? ['bash', ['-e', file]]
    : shell === 'bash' ? ['bash', ['--noprofile', '--norc', '-eo', 'pipefail', file]]
    : shell === 'sh' ? ['sh', ['-e', file]]
    : null;
  if (!argv) throw new SetupError(`shell ${JSON.stringify(shell)} is not supported here`);
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv[1], { cwd, env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, signal, timedOut });
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: 127, signal: null, timedOut: false, error: e.message });
    });
  });
}

const INSTALLS_RE = /\bnpm\s+(?:ci|install|i|uninstall|un|remove|rm|update|up|prune|dedupe|link)\b/;
// The workflows' dependency install steps (skipped when node_modules is linked).
const LOCKED_INSTALLS = new Set(['npm ci', 'npm ci --no-audit --no-fund']);

export async function runWorkflow(opts) {
  const started = Date.now();
  const repo = path.resolve(opts.repo ?? '.');
  if (!opts.workDir) throw new SetupError('runWorkflow needs a work directory');
  const work = path.resolve(opts.workDir);
  mkdirSync(work, { recursive: true });
  const origin = path.join(work, 'origin.git');
  const workspace = path.join(work, 'workspace');
  const runnerTemp = path.join(work, 'runner-temp');
  if (existsSync(origin) || existsSync(workspace)) throw new SetupError(`${work} already holds a run; use an empty --work-dir`);
  mkdirSync(runnerTemp);
  git(['clone', '--quiet', '--bare', repo, origin]);
  git(['clone', '--quiet', ...(opts.ref ? ['--branch', opts.ref] : []), origin, workspace]);
  const sha = git(['rev-parse', 'HEAD'], workspace);

  const wfPath = path.join(workspace, opts.workflow);
  if (!existsSync(wfPath)) throw new SetupError(`${opts.workflow} does not exist at ${opts.ref ?? 'the default branch'}`);
  const lint = lintWorkflows(workspace, [wfPath]);
  if (lint.findings.length > 0) {
    throw new SetupError(`${opts.workflow} fails lint-workflows:\n` + lint.findings.map((f) => `  ${f.file}:${f.line}:${f.column}: ${f.message} [${f.rule}]`).join('\n'));
  }
  const { doc, lc, lines } = parseWorkflow(readFileSync(wfPath, 'utf8'));
  const wf = doc.toJS();

  if (opts.linkNodeModules) {
    const nm = path.join(opts.linkNodeModules, 'node_modules');
    if (!existsSync(nm)) throw new SetupError(`${nm} does not exist`);
    symlinkSync(nm, path.join(workspace, 'node_modules'), 'dir');
  }
  const secrets = new Map();
  for (const name of opts.secrets) {
    const v = process.env[name];
    if (v === undefined) throw new SetupError(`--secret ${name}: ${name} is not set in this process's environment`);
    secrets.set(name, v);
  }
  const github = {
    event_name: Object.keys(typeof wf.on === 'string' ? { [wf.on]: 1 } : Array.isArray(wf.on) ? Object.fromEntries(wf.on.map((e) => [e, 1])) : wf.on)[0],
    ref: `refs/heads/${opts.ref ?? git(['rev-parse', '--abbrev-ref', 'HEAD'], workspace)}`,
    sha,
    repository: 'local/run-workflow',
    workspace,
    base_ref: '',
    head_ref: '',
    run_id: '1',
    ...opts.github,
  };
  const result = { workflow: opts.workflow, work, sha, jobs: [], ok: true };
  const deadline = started + opts.timeoutMs;

  for (const jobId of jobOrder(wf.jobs, opts.job)) {
    const job = wf.jobs[jobId];
    const jobResult = { id: jobId, steps: [], ok: true };
    result.jobs.push(jobResult);
    if (job.if !== undefined) throw new SetupError(`job ${jobId} has an if: condition; this runner does not evaluate conditions (run another job with --job)`);
    if (job.uses) throw new SetupError(`job ${jobId} calls a reusable workflow; not supported`);
    const matrix = {};
    for (const [k, values] of Object.entries(job.strategy?.matrix ?? {})) {
      if (k === 'include' || k === 'exclude') throw new SetupError(`job ${jobId}: matrix ${k} is not supported`);
      if (!Array.isArray(values) || values.length === 0) throw new SetupError(`job ${jobId}: matrix ${k} must be a list`);
      matrix[k] = opts.matrix[k] ?? String(values[0]);
      if (!values.map(String).includes(matrix[k])) throw new SetupError(`job ${jobId}: matrix ${k}=${matrix[k]} is not one of ${values.join(', ')}`);
    }
    const stepsOutputs = {};
    const jobTimeout = (job['timeout-minutes'] ?? 360) * 60_000;
    const jobDeadline = Math.min(deadline, Date.now() + jobTimeout);
    const summary = path.join(work, `summary-${jobId}.md`);
    writeFileSync(summary, '');
    const extraPath = [];
    let dynamicEnv = {};
    const baseEnv = () => ({
      PATH: [...extraPath, path.dirname(process.execPath), process.env.PATH ?? ''].join(path.delimiter),
      HOME: process.env.HOME ?? os.homedir(),
      ...(process.env.LANG ? { LANG: process.env.LANG } : {}),
      TMPDIR: runnerTemp,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: workspace,
      GITHUB_EVENT_NAME: github.event_name,
      GITHUB_REF: github.ref,
      GITHUB_SHA: github.sha,
      GITHUB_REPOSITORY: github.repository,
      GITHUB_BASE_REF: github.base_ref,
      GITHUB_HEAD_REF: github.head_ref,
      GITHUB_STEP_SUMMARY: summary,
      RUNNER_TEMP: runnerTemp,
      RUNNER_OS: 'Linux',
      ...(opts.env ?? {}),
    });
    process.stdout.write(`run-workflow: job ${jobId}${Object.keys(matrix).length ? ` (matrix ${JSON.stringify(matrix)})` : ''} at ${sha.slice(0, 12)}\n`);
    const steps = job.steps ?? [];
    for (let n = 0; n < steps.length; n++) {
      const step = steps[n];
      const label = step.name ?? step.run?.split('\n')[0] ?? step.uses;
      const scope = { secrets, vars: opts.vars, matrix, github, runner: { temp: runnerTemp, os: 'Linux' }, env: {}, steps: stepsOutputs };
      if (step.if !== undefined) throw new SetupError(`job ${jobId} step ${n + 1} (${label}) has an if: condition; not evaluated here`);
      const env = { ...baseEnv() };
      for (const layer of [wf.env, job.env]) Object.assign(env, evalEnv(layer, { ...scope, env }));
      Object.assign(env, dynamicEnv);
      Object.assign(env, evalEnv(step.env, { ...scope, env }));
      const name = interpolate(label, { ...scope, env });
      if (step.uses !== undefined) {
        const node = doc.getIn(['jobs', jobId, 'steps', n, 'uses'], true);
        const line = lines[lc.linePos(node.range[0]).line - 1] ?? '';
        const problem = usesProblem(step.uses, line);
        if (problem) throw new SetupError(problem);
        const why = /^actions\/checkout@/.test(step.uses) ? 'the temporary clone is the checkout'
          : /^actions\/setup-node@/.test(step.uses) ? `Node ${process.version} runs the steps`
          : 'actions are not run locally';
        process.stdout.write(`run-workflow: ⏭ step ${n + 1}: ${name} — skipped (${why})\n`);
        jobResult.steps.push({ name, uses: step.uses, status: 'skipped' });
        continue;
      }
      const script = String(step.run);
      if (opts.linkNodeModules && LOCKED_INSTALLS.has(script.trim())) {
        process.stdout.write(`run-workflow: ⏭ step ${n + 1}: ${name} — skipped (node_modules linked from ${opts.linkNodeModules})\n`);
        jobResult.steps.push({ name, run: script, status: 'skipped' });
        continue;
      }
      if (opts.linkNodeModules && INSTALLS_RE.test(script)) {
        throw new SetupError(`step ${n + 1} (${name}) would change the linked node_modules; not run with --link-node-modules`);
      }
      const files = {};
      for (const k of ['GITHUB_ENV', 'GITHUB_OUTPUT', 'GITHUB_PATH']) {
        files[k] = path.join(runnerTemp, `${k.toLowerCase()}-${jobId}-${n + 1}`);
        writeFileSync(files[k], '');
        env[k] = files[k];
      }
      const scriptFile = path.join(runnerTemp, `step-${jobId}-${n + 1}.sh`);
      writeFileSync(scriptFile, script);
      const cwd = step['working-directory'] ? path.resolve(workspace, interpolate(step['working-directory'], { ...scope, env })) : workspace;
      const stepTimeout = Math.min(jobDeadline - Date.now(), step['timeout-minutes'] ? step['timeout-minutes'] * 60_000 : Infinity);
      if (stepTimeout <= 0) throw new SetupError(`time limit reached before step ${n + 1} (${name})`);
      process.stdout.write(`run-workflow: ▶ step ${n + 1}: ${name}\n`);
      const t0 = Date.now();
      const r = await runScript(step.shell, scriptFile, cwd, env, stepTimeout);
      const status = r.code === 0 ? 'passed' : 'failed';
      jobResult.steps.push({ name, run: script, status, exitCode: r.code, timedOut: r.timedOut, ms: Date.now() - t0 });
      process.stdout.write(`run-workflow: ${status === 'passed' ? '✔' : '✘'} step ${n + 1}: ${name} — exit ${r.code}${r.timedOut ? ' (timed out)' : ''}\n`);
      dynamicEnv = { ...dynamicEnv, ...parseCommandFile(readFileSync(files.GITHUB_ENV, 'utf8')) };
      if (step.id) stepsOutputs[step.id] = parseCommandFile(readFileSync(files.GITHUB_OUTPUT, 'utf8'));
      for (const p of readFileSync(files.GITHUB_PATH, 'utf8').split('\n').filter(Boolean)) extraPath.unshift(p);
      if (r.code !== 0 && step['continue-on-error'] !== true) {
        jobResult.ok = false;
        result.ok = false;
        break;
      }
    }
    jobResult.summary = readFileSync(summary, 'utf8');
    if (!jobResult.ok) break;
  }
  return result;
}

async function main(argv) {
  let opts;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`run-workflow: ${e.message}\n`);
    return 2;
  }
  const ownWorkDir = opts.workDir === undefined;
  if (ownWorkDir) opts.workDir = mkdtempSync(path.join(os.tmpdir(), 'run-workflow-'));
  let result;
  try {
    result = await runWorkflow(opts);
  } catch (e) {
    process.stderr.write(`run-workflow: ${e instanceof SetupError ? e.message : e.stack}\n`);
    return 2;
  } finally {
    if (ownWorkDir) rmSync(opts.workDir, { recursive: true, force: true });
  }
  if (opts.result) writeFileSync(opts.result, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`run-workflow: ${result.ok ? 'all steps passed' : 'a step failed'}\n`);
  return result.ok ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
