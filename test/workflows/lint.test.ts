/**
 * The workflow files: linted (scripts/lint-workflows.mjs, which `npm run
 * lint:workflows` runs), every `uses:` pinned by SHA with a version comment
 * (checked on the raw text, independently of the linter), the permissions
 * each workflow needs and no more, and the linter itself catching each rule.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { ROOT, tempDir } from '../cli/helpers.js';

const WORKFLOWS = path.join(ROOT, '.github/workflows');
const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).sort();
const load = (f: string) => parse(readFileSync(path.join(WORKFLOWS, f), 'utf8'));

function lint(args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/lint-workflows.mjs'), ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('workflow files', () => {
  it('exist: PR validation, signing and Pages deploy', () => {
    expect(files).toEqual(['pages.yml', 'pr.yml', 'sign.yml']);
  });

  it('pass lint-workflows (the npm run lint:workflows script)', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts['lint:workflows']).toBe('node scripts/lint-workflows.mjs');
    const r = lint([]);
    expect(r.stdout).toBe('lint-workflows: 3 workflow(s), 0 finding(s)\n');
    expect(r.status).toBe(0);
  });

  it('pin every uses: by a 40-hex commit SHA with a # vX comment (raw text)', () => {
    let count = 0;
    for (const f of files) {
      for (const line of readFileSync(path.join(WORKFLOWS, f), 'utf8').split('\n')) {
        if (!/^\s*(?:-\s+)?uses:/.test(line)) continue;
        count++;
        expect(line, `${f}: ${line}`).toMatch(/uses:\s+[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+@[0-9a-f]{40}\s+#\s*v\d+(?:\.\d+){0,2}\s*$/);
      }
    }
    expect(count).toBeGreaterThanOrEqual(8);
  });

  it('pr.yml: read-only token, Node floor and current LTS, ci:pr against the base ref', () => {
    const wf = load('pr.yml');
    expect(Object.keys(wf.on)).toEqual(['pull_request']);
    expect(wf.permissions).toEqual({ contents: 'read' });
    const job = wf.jobs.check;
    expect(job.permissions).toBeUndefined();
    const engines = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).engines.node;
    expect(engines).toBe('>=20.19');
    expect(job.strategy.matrix.node).toEqual(['20.19.0', '22.x']);
    const steps = job.steps;
    expect(steps[0].uses).toMatch(/^actions\/checkout@/);
    expect(steps[0].with).toEqual({ 'fetch-depth': 0, 'persist-credentials': false });
    expect(steps[1].with['node-version']).toBe('${{ matrix.node }}');
    expect(steps[2].run).toBe('npm ci --no-audit --no-fund');
    expect(steps[3].run).toContain('npm run ci:pr');
    expect(steps[3].env.PR_BASE_REF).toBe('origin/${{ github.base_ref }}');
  });

  it('sign.yml: write access only in the signing job, a concurrency group, push + schedule, seed from a secret', () => {
    const wf = load('sign.yml');
    expect(wf.on.push).toEqual({ branches: ['main'], paths: ['index/**', 'repository/metadata/*.root.json'] });
    expect(wf.on.schedule[0].cron.split(' ')).toHaveLength(5);
    expect(wf.permissions).toEqual({});
    expect(wf.concurrency).toEqual({ group: 'sign-index', 'cancel-in-progress': false });
    expect(wf.jobs.sign.permissions).toEqual({ contents: 'write' });
    const sign = wf.jobs.sign.steps.find((s: any) => s.run === 'npm run ci:sign');
    expect(sign.env).toEqual({
      LATTICE_INDEX_SEED: '${{ secrets.LATTICE_INDEX_SEED }}',
      LATTICE_INDEX_PUBLISHER: '${{ vars.LATTICE_INDEX_PUBLISHER }}',
      LATTICE_INDEX_PUBLIC_KEY: '${{ vars.LATTICE_INDEX_PUBLIC_KEY }}',
    });
    // Repository v2: the online key from its own secret, the root pin from a variable; no root key anywhere.
    const repo = wf.jobs.sign.steps.find((s: any) => s.run === 'npm run ci:repo');
    expect(repo.env).toEqual({
      LATTICE_REPO_ONLINE_SEED: '${{ secrets.LATTICE_REPO_ONLINE_SEED }}',
      LATTICE_REPO_ROOT_SHA256: '${{ vars.LATTICE_REPO_ROOT_SHA256 }}',
    });
    expect(JSON.stringify(wf)).not.toMatch(/ROOT_SEED|root-key/i);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts['ci:sign']).toBe('npm run build && node scripts/ci-sign.mjs');
    expect(pkg.scripts['ci:repo']).toBe('node scripts/ci-repo.mjs publish');
    // deploy builds the catalog itself, with the repository's pinned root when there is one.
    expect(pkg.scripts['ci:deploy']).toBe('npm run build && node scripts/ci-repo.mjs deploy');
  });

  it('pages.yml: pages and id-token write only in the deploy job', () => {
    const wf = load('pages.yml');
    expect(wf.permissions).toEqual({});
    expect(wf.jobs.build.permissions).toEqual({ contents: 'read' });
    expect(wf.jobs.deploy.permissions).toEqual({ pages: 'write', 'id-token': 'write' });
    expect(wf.jobs.build.steps.map((s: any) => s.run).filter(Boolean)).toEqual(['npm ci --no-audit --no-fund', 'npm run ci:deploy']);
    // The pinned root digest, checked before the pages pin it; no secret in the Pages build.
    expect(wf.jobs.build.steps.find((s: any) => s.run === 'npm run ci:deploy').env).toEqual({ LATTICE_REPO_ROOT_SHA256: '${{ vars.LATTICE_REPO_ROOT_SHA256 }}' });
    expect(JSON.stringify(wf)).not.toMatch(/secrets\./);
    expect(wf.on.workflow_run.workflows).toEqual([load('sign.yml').name]);
  });
});

describe('lint-workflows catches each rule', () => {
  const good = readFileSync(path.join(WORKFLOWS, 'pr.yml'), 'utf8');
  const cases: [string, (s: string) => string, RegExp, string][] = [
    ['unpinned tag', (s) => s.replace(/actions\/checkout@[0-9a-f]{40} # v4\.2\.2/, 'actions/checkout@v4'), /must be pinned by a full 40-character commit SHA/, 'pinning'],
    ['SHA without version comment', (s) => s.replace('# v4.2.2', ''), /needs a "# vX\.Y\.Z" comment/, 'pinning'],
    ['pull_request_target', (s) => s.replace('  pull_request:\n', '  pull_request_target:\n'), /pull_request_target runs untrusted/, 'events'],
    ['write permission on a PR workflow', (s) => s.replace('  contents: read', '  contents: write'), /must not grant contents: write/, 'permissions'],
    ['missing top-level permissions', (s) => s.replace('permissions:\n  contents: read\n', ''), /set top-level "permissions" explicitly/, 'permissions'],
    ['write-all', (s) => s.replace('permissions:\n  contents: read\n', 'permissions: write-all\n'), /must list scopes explicitly/, 'permissions'],
    ['expression in run', (s) => s.replace('npm run ci:pr', 'npm run ci:pr ${{ github.head_ref }}'), /no \$\{\{ \}\} inside run:/, 'expressions'],
    ['secret outside a step env', (s) => s.replace('concurrency:', 'env:\n  X: ${{ secrets.LATTICE_INDEX_SEED }}\nconcurrency:'), /secrets may only be read in a step's env/, 'expressions'],
    ['undocumented secret', (s) => s.replace('PR_BASE_REF: origin/${{ github.base_ref }}', 'PR_BASE_REF: ${{ secrets.NPM_TOKEN }}'), /secret NPM_TOKEN is not one of the documented secrets/, 'expressions'],
    ['unknown matrix key', (s) => s.replace('node-version: ${{ matrix.node }}', 'node-version: ${{ matrix.nod }}'), /matrix\.nod is not defined/, 'expressions'],
    ['unterminated expression', (s) => s.replace('origin/${{ github.base_ref }}', 'origin/${{ github.base_ref'), /unterminated \$\{\{/, 'expressions'],
    ['unknown npm script', (s) => s.replace('npm run ci:pr', 'npm run ci:nope'), /npm script "ci:nope" is not defined/, 'scripts'],
    ['checkout keeps credentials', (s) => s.replace('          persist-credentials: false\n', ''), /persist-credentials: false/, 'checkout'],
    ['no Node floor in the matrix', (s) => s.replace("node: ['20.19.0', '22.x']", "node: ['22.x']"), /exact minimum Node version 20\.19\.0/, 'node'],
    ['duplicate key', (s) => s.replace('    runs-on: ubuntu-latest\n', '    runs-on: ubuntu-latest\n    runs-on: ubuntu-latest\n'), /.+/, 'yaml'],
    ['step with uses and run', (s) => s.replace('      - name: Install dependencies\n        run: npm ci --no-audit --no-fund', '      - name: Install dependencies\n        uses: ./local\n        run: npm ci --no-audit --no-fund'), /exactly one of "uses" and "run"/, 'structure'],
    ['unknown job key', (s) => s.replace('    timeout-minutes: 20', '    timeout-minutes: 20\n    runs_on: x'), /unknown key "runs_on"/, 'structure'],
    ['missing timeout', (s) => s.replace('    timeout-minutes: 20\n', ''), /has no timeout-minutes/, 'structure'],
    ['bad cron', (s) => s.replace('  pull_request:\n    branches: [main]\n', "  pull_request:\n    branches: [main]\n  schedule:\n    - cron: '0 4 * *'\n"), /five fields/, 'events'],
  ];
  const t = tempDir();
  afterAll(() => t.cleanup());
  it.each(cases)('%s', (name, mutate, message, rule) => {
    const bad = mutate(good);
    expect(bad, `mutation "${name}" applied`).not.toBe(good);
    const f = path.join(t.dir, `${name.replace(/\W+/g, '-')}.yml`);
    writeFileSync(f, bad);
    const r = lint(['--json', f]);
    expect(r.status).toBe(1);
    const findings = JSON.parse(r.stdout).findings;
    expect(findings.some((x: any) => x.rule === rule && message.test(x.message)), JSON.stringify(findings)).toBe(true);
    expect(findings.every((x: any) => x.line >= 1)).toBe(true);
  });

  it('reports the line of the offending node', () => {
    const bad = good.replace(/actions\/checkout@[0-9a-f]{40} # v4\.2\.2/, 'actions/checkout@v4');
    const f = path.join(t.dir, 'line.yml');
    writeFileSync(f, bad);
    const r = lint([f]);
    const expected = bad.split('\n').findIndex((l) => l.includes('actions/checkout@v4')) + 1;
    expect(r.stdout).toMatch(new RegExp(`line\\.yml:${expected}:\\d+: action actions/checkout@v4 must be pinned`));
  });

  it('one SHA per action across workflows', () => {
    const other = good.replace('49933ea5288caeca8642d1e84afbd3f7d6820020', '1'.repeat(40));
    const a = path.join(t.dir, 'a.yml');
    const b = path.join(t.dir, 'b.yml');
    writeFileSync(a, good);
    writeFileSync(b, other);
    const r = lint(['--json', a, b]);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).findings).toEqual([expect.objectContaining({ rule: 'pinning', message: expect.stringMatching(/actions\/setup-node is pinned to 1{40} here but to 49933ea/) })]);
  });
});

describe('run-workflow refuses what it cannot run faithfully', () => {
  it('evaluates plain references and refuses other expressions', async () => {
    const mod = await import(pathToFileURL(path.join(ROOT, 'scripts/run-workflow.mjs')).href);
    const scope = { secrets: new Map([['S', 'x']]), vars: { V: 'v' }, matrix: { node: '20' }, github: { base_ref: 'main' }, runner: { temp: '/t' }, env: {}, steps: { d: { url: 'u' } } };
    expect(mod.interpolate("a ${{ matrix.node }} ${{ vars.V }} ${{ secrets.S }} ${{ github.base_ref }} ${{ steps.d.outputs.url }} ${{ 'lit' }}", scope)).toBe('a 20 v x main u lit');
    expect(() => mod.interpolate('${{ github.event.pull_request.title }}', scope)).toThrow(/not available/);
    expect(() => mod.interpolate("${{ format('{0}', 1) }}", scope)).toThrow(/unsupported expression/);
    expect(() => mod.interpolate('${{ secrets.OTHER }}', scope)).toThrow(/not available/);
    expect(mod.parseCommandFile('A=1\nB<<EOF\nx\ny\nEOF\n')).toEqual({ A: '1', B: 'x\ny' });
  });

  it('refuses a workflow that fails lint (unpinned action) before running anything', () => {
    const t = tempDir();
    try {
      const repo = t.dir;
      const git = (...a: string[]) => spawnSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@e', '-c', 'commit.gpgsign=false', ...a], { cwd: repo, encoding: 'utf8' });
      git('init', '-q', '-b', 'main');
      writeFileSync(path.join(repo, 'package.json'), JSON.stringify({ scripts: {} }));
      spawnSync('mkdir', ['-p', path.join(repo, '.github/workflows')]);
      writeFileSync(path.join(repo, '.github/workflows/x.yml'), [
        'name: x', 'on: push', 'permissions: {}', 'jobs:', '  a:', '    runs-on: ubuntu-latest', '    timeout-minutes: 1', '    steps:',
        '      - uses: actions/checkout@v4', '      - run: touch ran',
      ].join('\n') + '\n');
      git('add', '-A');
      git('commit', '-q', '-m', 'x');
      const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/run-workflow.mjs'), '.github/workflows/x.yml', '--repo', repo, '--work-dir', path.join(t.dir, 'w')], { encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/fails lint-workflows/);
      expect(r.stderr).toMatch(/actions\/checkout@v4 must be pinned/);
      expect(r.stdout).not.toMatch(/step 2/);
    } finally {
      t.cleanup();
    }
  });
});

describe('pr.yml runs the test suite', () => {
  it('has a test job that installs the Debian packages and runs npm test on Node 20.19.0 and 22.x', async () => {
    const { parse } = await import('yaml');
    const { readFileSync } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    const wf = parse(readFileSync(fileURLToPath(new URL('../../.github/workflows/pr.yml', import.meta.url)), 'utf8'));
    const job = wf.jobs.test;
    expect(job.strategy.matrix.node).toEqual(['20.19.0', '22.x']);
    const runs = job.steps.filter((s: { run?: string }) => s.run).map((s: { run: string }) => s.run.trim());
    expect(runs).toEqual(['bash scripts/setup-system.sh', 'npm ci --no-audit --no-fund', 'npm test']);
  });
});
