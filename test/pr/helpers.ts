/**
 * Temporary git repositories for the pr-check scenarios: a base commit on
 * `main` holding an index (the repository's own entry files plus a second
 * publisher `acme`), then a head commit on branch `pr`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { copyIndex, runCli, tempDir } from '../cli/helpers.js';

/** Deterministic canonical base64 of `n` bytes derived from a label. */
export function fakeBase64(label: string, n: 32 | 64): string {
  const a = createHash('sha512').update(label).digest();
  return Buffer.from(a.subarray(0, n)).toString('base64');
}

/** Deterministic lowercase SHA-256 hex of a label. */
export function fakeSha(label: string): string {
  return createHash('sha256').update(label).digest('hex');
}

export interface ReleaseSpec {
  version: string;
  channel: 'stable' | 'alpha';
  capabilities?: string[];
}

/** A valid release entry. */
export function release(pluginId: string, r: ReleaseSpec): Record<string, unknown> {
  return {
    version: r.version,
    channel: r.channel,
    capabilities: r.capabilities ?? ['kv:read'],
    manifest_url: `https://plugins.example.org/${pluginId}/${r.version}/manifest.json`,
    artifact_url: `https://plugins.example.org/${pluginId}/${r.version}/${pluginId}-${r.version}.tar.gz`,
    artifact_sha256: fakeSha(`${pluginId}@${r.version}`),
    signature_ed25519: fakeBase64(`sig ${pluginId}@${r.version}`, 64),
    published_at: '2026-10-01T12:00:00Z',
  };
}

/** A valid plugin entry; releases newest first. */
export function plugin(id: string, publisher: string, releases: ReleaseSpec[]): Record<string, unknown> {
  const stable = releases.find((r) => r.channel === 'stable')?.version;
  const alpha = releases.find((r) => r.channel === 'alpha')?.version;
  return {
    id,
    name: `Plugin ${id}`,
    publisher,
    type: 'system',
    summary: 'A test plugin.',
    ...(stable ? { latest: stable } : {}),
    channels: { ...(stable ? { stable } : {}), ...(alpha ? { alpha } : {}) },
    capabilities: ['kv:read'],
    releases: releases.map((r) => release(id, r)),
  };
}

/** A valid publisher entry. */
export function publisher(id: string, keyLabel = id): Record<string, unknown> {
  return { id, name: `Publisher ${id}`, public_key_ed25519: fakeBase64(`key ${keyLabel}`, 32) };
}

export function json(v: unknown): string {
  return JSON.stringify(v, null, 2) + '\n';
}

/** 1-based line of the first occurrence of `needle` in `text` (independent of the locator under test). */
export function lineOf(text: string, needle: string, from = 0): number {
  const i = text.indexOf(needle, from);
  if (i < 0) throw new Error(`${JSON.stringify(needle)} not found`);
  return text.slice(0, i).split('\n').length;
}

export interface Annotation {
  kind: string;
  file: string;
  line: number;
  title: string;
  message: string;
}

/** Parse `::error file=…,line=…,title=…::message` lines (values unescaped). */
export function annotations(stdout: string): Annotation[] {
  const un = (s: string) => s.replace(/%2C/g, ',').replace(/%3A/g, ':').replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%');
  const result: Annotation[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^::(error|warning|notice) ([^:]*)::(.*)$/.exec(line);
    if (!m) continue;
    const props = Object.fromEntries(m[2]!.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), un(kv.slice(kv.indexOf('=') + 1))]));
    result.push({ kind: m[1]!, file: props.file!, line: Number(props.line), title: props.title ?? '', message: un(m[3]!) });
  }
  return result;
}

/** A scratch repository: base on `main`, edits, then `head()` commits them on `pr`. */
export class ScenarioRepo {
  readonly dir: string;
  private readonly cleanupDir: () => void;

  constructor() {
    const t = tempDir('lattice-pr-');
    this.dir = t.dir;
    this.cleanupDir = t.cleanup;
    this.git('init', '-q', '-b', 'main');
    copyIndex(this.dir);
    this.write('index/publishers/acme.json', json(publisher('acme')));
    this.write('index/plugins/acme.tool.json', json(plugin('acme.tool', 'acme', [
      { version: '1.1.0-alpha.1', channel: 'alpha' },
      { version: '1.0.0', channel: 'stable' },
    ])));
    this.write('README.md', '# scratch\n');
    this.commitAll('base');
    this.git('checkout', '-q', '-b', 'pr');
  }

  /**
   * The commit time of every commit (the fixture releases' `published_at`
   * is 2026-10-01T12:00:00Z; pr-check wants new releases within a day of the head commit).
   */
  commitDate = '2026-10-01T12:00:00Z';

  git(...args: string[]): string {
    const r = spawnSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.org', '-c', 'commit.gpgsign=false', ...args], {
      cwd: this.dir, encoding: 'utf8',
      env: { ...process.env, GIT_COMMITTER_DATE: this.commitDate, GIT_AUTHOR_DATE: this.commitDate },
    });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  path(rel: string): string {
    return path.join(this.dir, rel);
  }

  read(rel: string): string {
    return readFileSync(this.path(rel), 'utf8');
  }

  write(rel: string, text: string): string {
    mkdirSync(path.dirname(this.path(rel)), { recursive: true });
    writeFileSync(this.path(rel), text);
    return text;
  }

  /** Parse, change and rewrite a JSON file; returns the new text. */
  edit(rel: string, fn: (v: any) => void): string {
    const v = JSON.parse(this.read(rel));
    fn(v);
    return this.write(rel, json(v));
  }

  remove(rel: string): void {
    rmSync(this.path(rel));
  }

  symlink(target: string, rel: string): void {
    symlinkSync(target, this.path(rel));
  }

  commitAll(message: string): void {
    this.git('add', '-A');
    this.git('commit', '-q', '--allow-empty', '-m', message);
  }

  /** Commit the edits as the head of the pull request. */
  head(): void {
    this.commitAll('head');
  }

  /** Run pr-check (base main, head pr) with the built CLI. */
  check(extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return runCli(['pr-check', '--base', 'main', '--head', 'pr', '--repo', this.dir, ...extra], { env: { GITHUB_STEP_SUMMARY: '', ...env } });
  }

  /** Run pr-check --json and parse it. */
  async checkJSON(): Promise<{ status: number | null; report: any }> {
    const r = await this.check(['--json']);
    return { status: r.status, report: JSON.parse(r.stdout) };
  }

  cleanup(): void {
    this.cleanupDir();
  }
}
