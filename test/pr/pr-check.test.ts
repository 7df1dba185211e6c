/**
 * pr-check scenarios (DESIGN §7): one temporary git repository per rule,
 * base commit on main, head commit on pr. Each asserts the exit code, the
 * annotation's file= and line= (line computed by searching the text, not with
 * the locator under test), and the --json report.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { annotations, fakeBase64, fakeSha, json, lineOf, plugin, publisher, release, ScenarioRepo } from './helpers.js';
import { runCli, tempDir } from '../cli/helpers.js';

let repo: ScenarioRepo;
beforeEach(() => {
  repo = new ScenarioRepo();
});
afterEach(() => repo.cleanup());

const TOOL = 'index/plugins/acme.tool.json';
const HELLO = 'index/plugins/demo.hello.json';

function only(stdout: string, rule: string) {
  return annotations(stdout).filter((a) => a.title.startsWith(rule));
}

describe('pr-check: passing changes', () => {
  it('a new stable release of the publisher\'s own plugin passes (exit 0, no annotation)', async () => {
    repo.edit(TOOL, (p) => {
      p.releases.unshift(release('acme.tool', { version: '1.2.0', channel: 'stable' }));
      p.channels.stable = '1.2.0';
      p.latest = '1.2.0';
    });
    repo.head();
    const r = await repo.check();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(annotations(r.stdout)).toEqual([]);
    expect(r.stdout).toMatch(/pr-check: ok/);
    const j = await repo.checkJSON();
    expect(j.status).toBe(0);
    expect(j.report).toMatchObject({ status: 'ok', exitCode: 0, publishers: ['acme'], findings: [] });
    expect(j.report.touched).toEqual([{ file: TOOL, change: 'modified', publishers: ['acme'] }]);
  });

  it('no change at all passes', async () => {
    repo.head();
    const j = await repo.checkJSON();
    expect(j.status).toBe(0);
    expect(j.report.status).toBe('ok');
    expect(j.report.touched).toEqual([]);
  });

  it('a new plugin in the publisher\'s namespace and a revocation of its own release pass', async () => {
    repo.write('index/plugins/acme.second.json', json(plugin('acme.second', 'acme', [{ version: '0.1.0', channel: 'stable' }])));
    repo.edit('index/revocations.json', (r) => {
      r.releases.push({ plugin: 'acme.tool', version: '1.0.0', reason: 'crashes on start', revoked_at: '2026-11-01T00:00:00Z' });
      r.artifacts.push({ sha256: fakeSha('acme.tool@1.0.0'), reason: 'same build', revoked_at: '2026-11-01T00:00:00Z' });
    });
    repo.head();
    const j = await repo.checkJSON();
    expect(j.report.findings).toEqual([]);
    expect(j.status).toBe(0);
    expect(j.report.publishers).toEqual(['acme']);
  });
});

describe('pr-check: errors (exit 1)', () => {
  it('a PR touching two publishers fails on each touched entry, at its publisher member', async () => {
    const tool = repo.edit(TOOL, (p) => {
      p.summary = 'changed';
    });
    const hello = repo.edit(HELLO, (p) => {
      p.summary = 'changed too';
    });
    repo.head();
    const r = await repo.check();
    expect(r.status).toBe(1);
    const a = only(r.stdout, 'PR_MULTIPLE_PUBLISHERS');
    expect(a.map((x) => [x.kind, x.file, x.line])).toEqual([
      ['error', TOOL, lineOf(tool, '"publisher"')],
      ['error', HELLO, lineOf(hello, '"publisher"')],
    ]);
    expect(a[0]!.message).toContain('acme, demo');
    const j = await repo.checkJSON();
    expect(j.status).toBe(1);
    expect(j.report.status).toBe('failed');
    expect(j.report.publishers).toEqual(['acme', 'demo']);
    expect(j.report.findings.filter((f: any) => f.rule === 'PR_MULTIPLE_PUBLISHERS').map((f: any) => [f.file, f.line, f.severity]))
      .toEqual([[TOOL, lineOf(tool, '"publisher"'), 'error'], [HELLO, lineOf(hello, '"publisher"'), 'error']]);
  });

  it('a modified published release fails at the changed member', async () => {
    const newSha = fakeSha('tampered');
    const tool = repo.edit(TOOL, (p) => {
      p.releases[1].artifact_sha256 = newSha;
    });
    repo.head();
    const r = await repo.check();
    expect(r.status).toBe(1);
    const a = only(r.stdout, 'PR_RELEASE_MODIFIED');
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ kind: 'error', file: TOOL, line: lineOf(tool, newSha) });
    expect(a[0]!.message).toContain('revoke 1.0.0');
    const j = await repo.checkJSON();
    expect(j.report.findings).toEqual([
      expect.objectContaining({ rule: 'PR_RELEASE_MODIFIED', file: TOOL, line: lineOf(tool, newSha), pointer: '/releases/1/artifact_sha256', severity: 'error' }),
    ]);
  });

  it('changing the plugin default capabilities modifies a published release without its own list', async () => {
    repo.edit(TOOL, (p) => {
      delete p.releases[1].capabilities;
      p.channels = { stable: '1.0.0' };
      p.releases.splice(0, 1);
    });
    repo.commitAll('base 2: single channel, release without own capabilities');
    repo.git('branch', '-f', 'main', 'HEAD');
    const tool = repo.edit(TOOL, (p) => {
      p.capabilities = ['kv:read', 'node:read'];
    });
    repo.head();
    const j = await repo.checkJSON();
    expect(j.status).toBe(1);
    expect(j.report.findings).toEqual([
      expect.objectContaining({ rule: 'PR_RELEASE_MODIFIED', file: TOOL, pointer: '/capabilities', line: lineOf(tool, '"capabilities"') }),
    ]);
  });

  it('a version going backwards in its channel fails at the new version', async () => {
    const tool = repo.edit(TOOL, (p) => {
      p.releases.unshift(release('acme.tool', { version: '0.9.0', channel: 'stable' }));
    });
    repo.head();
    const r = await repo.check();
    expect(r.status).toBe(1);
    const a = only(r.stdout, 'PR_VERSION_NOT_INCREASING');
    expect(a.map((x) => [x.file, x.line])).toEqual([[TOOL, lineOf(tool, '"0.9.0"')]]);
    const j = await repo.checkJSON();
    expect(j.report.findings.map((f: any) => f.rule)).toEqual(['PR_VERSION_NOT_INCREASING']);
    expect(j.report.findings[0].pointer).toBe('/releases/0/version');
  });

  it('an equal version spelled differently (1.0 vs 1.0.0) does not grow the channel', async () => {
    repo.edit(TOOL, (p) => {
      p.releases.unshift(release('acme.tool', { version: '1.0', channel: 'stable' }));
    });
    repo.head();
    const j = await repo.checkJSON();
    expect(j.status).toBe(1);
    expect(j.report.findings.map((f: any) => f.rule)).toEqual(['PR_VERSION_NOT_INCREASING']);
  });

  it('a channel moving back fails at the channel', async () => {
    repo.edit(TOOL, (p) => {
      p.releases.unshift(release('acme.tool', { version: '1.2.0', channel: 'stable' }));
      p.channels.stable = '1.2.0';
      p.latest = '1.2.0';
    });
    repo.commitAll('base 2');
    repo.git('branch', '-f', 'main', 'HEAD');
    const tool = repo.edit(TOOL, (p) => {
      p.channels.stable = '1.0.0';
      p.latest = '1.0.0';
    });
    repo.head();
    const j = await repo.checkJSON();
    expect(j.status).toBe(1);
    expect(j.report.findings).toEqual([
      expect.objectContaining({ rule: 'PR_CHANNEL_BACKWARDS', file: TOOL, line: lineOf(tool, '"stable": "1.0.0"') }),
    ]);
  });

  it('a plugin id outside the publisher namespace fails at the id', async () => {
    const text = repo.write('index/plugins/other.tool.json', json(plugin('other.tool', 'acme', [{ version: '1.0.0', channel: 'stable' }])));
    repo.head();
    const r = await repo.check();
    expect(r.status).toBe(1);
    const a = only(r.stdout, 'PR_NAMESPACE');
    expect(a.map((x) => [x.kind, x.file, x.line])).toEqual([['error', 'index/plugins/other.tool.json', lineOf(text, '"id"')]]);
    const j = await repo.checkJSON();
    // The validator's PLUGIN_NAMESPACE at the same place is not repeated.
    expect(j.report.findings.map((f: any) => f.rule)).toEqual(['PR_NAMESPACE']);
  });

  it('a plugin id inside a more specific publisher\'s namespace fails', async () => {
    repo.write('index/publishers/acme.labs.json', json(publisher('acme.labs')));
    repo.commitAll('base 2: publisher acme.labs');
    repo.git('branch', '-f', 'main', 'HEAD');
    const text = repo.write('index/plugins/acme.labs.thing.json', json(plugin('acme.labs.thing', 'acme', [{ version: '1.0.0', channel: 'stable' }])));
    repo.head();
    const j = await repo.checkJSON();
    expect(j.status).toBe(1);
    expect(j.report.findings).toEqual([
      expect.objectContaining({ rule: 'PR_NAMESPACE', file: 'index/plugins/acme.labs.thing.json', line: lineOf(text, '"id"') }),
    ]);
    expect(j.report.findings[0].message).toContain('acme.labs');
  });

  it('a hand-edited index/plugins.json fails at the first changed line', async () => {
    const before = repo.read('index/plugins.json');
    const after = before.replace('"status": "draft"', '"status": "official"');
    expect(after).not.toBe(before);
    repo.write('index/plugins.json', after);
    repo.head();
    const r = await repo.check();
    expect(r.status).toBe(1);
    const a = only(r.stdout, 'PR_GENERATED_INDEX_EDITED');
    expect(a.map((x) => [x.kind, x.file, x.line])).toEqual([['error', 'index/plugins.json', lineOf(after, '"status": "official"')]]);
    const j = await repo.checkJSON();
    expect(j.report.findings.map((f: any) => [f.rule, f.file])).toEqual([['PR_GENERATED_INDEX_EDITED', 'index/plugins.json']]);
  });

  it('a channel pointing at a release of the other channel fails at the channel', async () => {
    const tool = repo.edit(TOOL, (p) => {
      p.releases.unshift(release('acme.tool', { version: '1.2.0', channel: 'stable' }));
      p.channels.alpha = '1.2.0';
    });
    repo.head();
    const r = await repo.check();
    expect(r.status).toBe(1);
    const a = only(r.stdout, 'PR_CHANNEL_RELEASE_MISMATCH');
    expect(a.map((x) => [x.file, x.line])).toEqual([[TOOL, lineOf(tool, '"alpha": "1.2.0"')]]);
    const j = await repo.checkJSON();
    const rules = j.report.findings.map((f: any) => f.rule);
    expect(rules).toContain('PR_CHANNEL_RELEASE_MISMATCH');
    // The validator's own rule for the same place is reported by its code, not twice.
    expect(j.report.findings.filter((f: any) => f.problemCode === 'PLUGIN_CHANNEL_RELEASE_MISMATCH')).toEqual([]);
  });

  it('an invalid entry fails with the validator\'s problem, located at its line', async () => {
    const bad = 'ABC123';
    const tool = repo.edit(TOOL, (p) => {
      const r = release('acme.tool', { version: '1.2.0', channel: 'stable' });
      r.artifact_sha256 = bad;
      p.releases.unshift(r);
      p.channels.stable = '1.2.0';
      p.latest = '1.2.0';
    });
    repo.head();
    const r = await repo.check();
    expect(r.status).toBe(1);
    const a = only(r.stdout, 'PR_ENTRY_INVALID');
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ kind: 'error', file: TOOL, line: lineOf(tool, bad) });
    const j = await repo.checkJSON();
    expect(j.report.findings).toEqual([
      expect.objectContaining({ rule: 'PR_ENTRY_INVALID', file: TOOL, line: lineOf(tool, bad), pointer: '/releases/0/artifact_sha256' }),
    ]);
    expect(j.report.findings[0].problemCode).toMatch(/^RELEASE_/);
  });

  it('an entry that is not JSON fails at the parser\'s line', async () => {
    const text = '{\n  "id": "acme.tool",\n  "id": "acme.tool"\n}\n';
    repo.write(TOOL, text);
    repo.head();
    const j = await repo.checkJSON();
    expect(j.status).toBe(1);
    const f = j.report.findings.find((x: any) => x.rule === 'PR_ENTRY_INVALID');
    expect(f).toMatchObject({ file: TOOL, line: 3, problemCode: 'JSON_DUPLICATE_KEY' });
  });

  it('a change that breaks an untouched entry is reported there', async () => {
    // Removing a key the other entries rely on: deleting publisher acme leaves acme.tool without publisher.
    repo.remove('index/publishers/acme.json');
    repo.head();
    const j = await repo.checkJSON();
    expect(j.status).toBe(1);
    const text = repo.read(TOOL);
    expect(j.report.findings).toEqual(expect.arrayContaining([
      expect.objectContaining({ rule: 'PR_PUBLISHER_REMOVED', severity: 'review', file: 'index/publishers/acme.json', line: 1 }),
      expect.objectContaining({ rule: 'PR_ENTRY_INVALID', problemCode: 'PLUGIN_PUBLISHER_UNKNOWN', file: TOOL, line: lineOf(text, '"publisher"') }),
    ]));
  });

  it('removing a published release, deleting a plugin and changing its type fail', async () => {
    const tool = repo.edit(TOOL, (p) => {
      p.releases.splice(0, 1);
      delete p.channels.alpha;
      p.type = 'wasm';
    });
    repo.remove('index/plugins/demo.counter.json');
    repo.head();
    const j = await repo.checkJSON();
    expect(j.status).toBe(1);
    const got = j.report.findings.filter((f: any) => f.rule !== 'PR_MULTIPLE_PUBLISHERS').map((f: any) => [f.rule, f.file, f.line]);
    expect(got).toEqual(expect.arrayContaining([
      ['PR_PLUGIN_REMOVED', 'index/plugins/demo.counter.json', 1],
      ['PR_PLUGIN_TYPE_CHANGED', TOOL, lineOf(tool, '"type"')],
      ['PR_RELEASE_REMOVED', TOOL, lineOf(tool, '"releases"')],
    ]));
  });

  it('removing a revocation fails', async () => {
    repo.edit('index/revocations.json', (r) => {
      r.keys.push({ publisher: 'acme', public_key_ed25519: fakeBase64('old acme key', 32), reason: 'leaked', revoked_at: '2026-10-01T00:00:00Z' });
    });
    repo.commitAll('base 2: a revocation');
    repo.git('branch', '-f', 'main', 'HEAD');
    const text = repo.edit('index/revocations.json', (r) => {
      r.keys = [];
    });
    repo.head();
    const j = await repo.checkJSON();
    expect(j.status).toBe(1);
    expect(j.report.findings).toEqual([
      expect.objectContaining({ rule: 'PR_REVOCATION_REMOVED', file: 'index/revocations.json', line: lineOf(text, '"keys"') }),
    ]);
  });

  it('files below index/ outside the layout, and symlinks, fail', async () => {
    repo.write('index/plugins/notes.txt', 'hello\n');
    repo.symlink('acme.tool.json', path.join('index/plugins', 'acme.alias.json'));
    repo.head();
    const j = await repo.checkJSON();
    expect(j.status).toBe(1);
    expect(j.report.findings.map((f: any) => [f.rule, f.file])).toEqual([
      ['PR_UNEXPECTED_FILE', 'index/plugins/acme.alias.json'],
      ['PR_UNEXPECTED_FILE', 'index/plugins/notes.txt'],
    ]);
    expect(j.report.findings[0].message).toContain('symbolic link');
  });
});

describe('pr-check: needs maintainer review (exit 3, not a failure)', () => {
  it('a new publisher is a review item, not an error', async () => {
    const pub = repo.write('index/publishers/newco.json', json(publisher('newco')));
    repo.write('index/plugins/newco.widget.json', json(plugin('newco.widget', 'newco', [{ version: '1.0.0', channel: 'stable' }])));
    repo.head();
    const r = await repo.check();
    expect(r.status).toBe(3);
    const a = annotations(r.stdout);
    expect(a.map((x) => [x.kind, x.file, x.line, x.title])).toEqual([['warning', 'index/publishers/newco.json', lineOf(pub, '"id"'), 'PR_NEW_PUBLISHER']]);
    expect(r.stdout).toMatch(/needs maintainer review/);
    const j = await repo.checkJSON();
    expect(j.status).toBe(3);
    expect(j.report).toMatchObject({ status: 'review', exitCode: 3, publishers: ['newco'] });
    expect(j.report.findings.every((f: any) => f.severity === 'review')).toBe(true);
  });

  it('a key change is a review item at the key', async () => {
    const newKey = fakeBase64('acme next key', 32);
    const text = repo.edit('index/publishers/acme.json', (p) => {
      p.public_key_ed25519 = newKey;
    });
    repo.head();
    const r = await repo.check();
    expect(r.status).toBe(3);
    expect(annotations(r.stdout).map((x) => [x.kind, x.file, x.line, x.title])).toEqual([
      ['warning', 'index/publishers/acme.json', lineOf(text, newKey), 'PR_PUBLISHER_KEY_CHANGED'],
    ]);
    const j = await repo.checkJSON();
    expect(j.report.findings.map((f: any) => [f.rule, f.severity])).toEqual([['PR_PUBLISHER_KEY_CHANGED', 'review']]);
  });

  it('a change outside the index is a review item', async () => {
    repo.write('README.md', '# scratch, edited\n');
    repo.head();
    const j = await repo.checkJSON();
    expect(j.status).toBe(3);
    expect(j.report.findings.map((f: any) => [f.rule, f.file, f.line])).toEqual([['PR_OUTSIDE_INDEX', 'README.md', 1]]);
  });

  it('an error and a review item together fail (exit 1)', async () => {
    repo.write('index/publishers/newco.json', json(publisher('newco')));
    repo.write('index/plugins.json', repo.read('index/plugins.json') + ' ');
    repo.head();
    const j = await repo.checkJSON();
    expect(j.status).toBe(1);
    expect(j.report.findings.map((f: any) => f.severity).sort()).toEqual(['error', 'review']);
  });
});

describe('pr-check: output and input handling', () => {
  it('appends a Markdown summary to $GITHUB_STEP_SUMMARY', async () => {
    const t = tempDir();
    try {
      const summary = path.join(t.dir, 'summary.md');
      writeFileSync(summary, '# earlier step\n');
      repo.edit(TOOL, (p) => {
        p.releases.unshift(release('acme.tool', { version: '0.9.0', channel: 'stable' }));
      });
      repo.head();
      const r = await repo.check([], { GITHUB_STEP_SUMMARY: summary });
      expect(r.status).toBe(1);
      const md = readFileSync(summary, 'utf8');
      expect(md.startsWith('# earlier step\n')).toBe(true);
      expect(md).toContain('## ❌ Publisher rules: Failed');
      expect(md).toContain('PR_VERSION_NOT_INCREASING');
      expect(md).toContain(`<code>${TOOL}:`);
    } finally {
      t.cleanup();
    }
  });

  it('refuses refs that could be options or ranges, and unknown refs (exit 2)', async () => {
    for (const bad of ['--output=x', 'main..pr', 'main:index', 'no-such-branch']) {
      const r = await runCli(['pr-check', `--base=${bad}`, '--head', 'pr', '--repo', repo.dir], { env: { GITHUB_STEP_SUMMARY: '' } });
      expect(r.status, bad).toBe(2);
      expect(r.stderr.trim().split('\n'), bad).toHaveLength(1);
      expect(r.stderr).toContain('INPUT_INVALID');
    }
  });

  it('escapes annotation properties and data so a file name cannot forge a second command', async () => {
    // git allows newlines, commas and colons in file names; they reach both file= and the message.
    const evil = 'notes\n::error file=x::forged,a:b.md';
    repo.write(evil, 'x\n');
    repo.head();
    const r = await repo.check();
    expect(r.status).toBe(3);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('::'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^::warning file=notes%0A%3A%3Aerror file=x%3A%3Aforged%2Ca%3Ab\.md,line=1,title=PR_OUTSIDE_INDEX::notes%0A::error file=x::forged,a:b\.md is outside/);
    expect(annotations(r.stdout)[0]!.file).toBe(evil);
  });
});

describe('pr-check: what a publisher asserts (publish time, URL hosts, sizes)', () => {
  const newRelease = (over: Record<string, unknown> = {}) => (p: any) => {
    p.releases.unshift({ ...release('acme.tool', { version: '1.2.0', channel: 'stable' }), ...over });
    p.channels.stable = '1.2.0';
    p.latest = '1.2.0';
  };
  const rules = async () => (await repo.checkJSON()).report.findings.map((f: any) => f.rule);

  it('a release backdated into another key window (published_at far from the commit) fails PR_PUBLISHED_AT; missing fails too', async () => {
    repo.edit(TOOL, newRelease({ published_at: '2025-01-01T00:00:00Z' }));
    repo.head();
    const r = await repo.check();
    expect(r.status).toBe(1);
    const a = only(r.stdout, 'PR_PUBLISHED_AT');
    expect(a).toHaveLength(1);
    expect(a[0]!.line).toBe(lineOf(repo.read(TOOL), '"published_at": "2025-01-01T00:00:00Z"'));
    expect(a[0]!.message).toMatch(/claims published_at 2025-01-01T00:00:00Z, \d+ h before the commit/);
  });

  it('a new release without published_at fails PR_PUBLISHED_AT; a day of clock skew passes', async () => {
    repo.edit(TOOL, (p: any) => {
      newRelease()(p);
      delete p.releases[0].published_at;
    });
    repo.head();
    expect(await rules()).toEqual(['PR_PUBLISHED_AT']);
    repo.edit(TOOL, (p: any) => (p.releases[0].published_at = '2026-10-02T11:00:00Z')); // 23 h after the commit
    repo.head();
    expect(await rules()).toEqual([]);
  });

  for (const [what, host] of [
    ['an IP literal', 'https://203.0.113.5/a.tgz'],
    ['a private address', 'https://10.0.0.7/a.tgz'],
    ['the cloud metadata address', 'https://169.254.169.254/latest/a.tgz'],
    ['localhost', 'https://localhost/a.tgz'],
    ['IPv6 loopback', 'https://[::1]/a.tgz'],
    ['a single-label name', 'https://fileserver/a.tgz'],
    ['an mDNS name', 'https://nas.local/a.tgz'],
    ['.internal', 'https://artifacts.corp.internal/a.tgz'],
    ['.localhost', 'https://x.localhost/a.tgz'],
  ] as const) {
    it(`an artifact_url naming ${what} fails PR_URL_HOST`, async () => {
      repo.edit(TOOL, newRelease({ artifact_url: host }));
      repo.head();
      const r = await repo.check();
      expect(r.status).toBe(1);
      expect(only(r.stdout, 'PR_URL_HOST').map((x) => x.line)).toEqual([lineOf(repo.read(TOOL), `"artifact_url": "${host}"`)]);
    });
  }

  it('other URLs of an entry (homepage, repository) follow the same rule; URLs already published are not judged again', async () => {
    repo.edit(TOOL, (p: any) => (p.homepage = 'https://192.168.1.10/tool'));
    repo.head();
    expect(await rules()).toEqual(['PR_URL_HOST']);
  });

  it('the repository config (read from the base, never from the pull request) can allow only some artifact hosts', async () => {
    repo.write('lattice-index.config.json', JSON.stringify({ schema: 'lattice.plugin.index-config.v1', artifact_hosts: ['*.example.org'] }));
    repo.commitAll('config on main');
    repo.git('branch', '-f', 'main', 'HEAD');
    repo.edit(TOOL, newRelease({ artifact_url: 'https://cdn.elsewhere.net/acme.tool-1.2.0.tar.gz' }));
    repo.head();
    expect(await rules()).toEqual(['PR_URL_HOST_NOT_ALLOWED']);
    // The honest variant: an allowed host passes.
    repo.edit(TOOL, (p: any) => (p.releases[0].artifact_url = 'https://plugins.example.org/acme.tool-1.2.0.tar.gz'));
    repo.head();
    expect(await rules()).toEqual([]);
    // A pull request that widens the list does not widen it for itself.
    repo.write('lattice-index.config.json', JSON.stringify({ schema: 'lattice.plugin.index-config.v1', artifact_hosts: ['*.elsewhere.net', '*.example.org'] }));
    repo.edit(TOOL, (p: any) => (p.releases[0].artifact_url = 'https://cdn.elsewhere.net/acme.tool-1.2.0.tar.gz'));
    repo.head();
    expect((await rules()).sort()).toEqual(['PR_OUTSIDE_INDEX', 'PR_URL_HOST_NOT_ALLOWED']);
  });

  it('a 3.7 MB entry file fails PR_ENTRY_TOO_LARGE (the default budget is 256 KiB per entry)', async () => {
    repo.edit(TOOL, (p: any) => (p.summary = 'x'.repeat(500) /* valid summary */));
    repo.edit(TOOL, (p: any) => {
      newRelease()(p);
      p.tags = undefined;
    });
    const text = repo.read(TOOL).replace('"releases": [', `"releases": [${Array.from({ length: 4000 }, (_, i) => JSON.stringify(release('acme.tool', { version: `0.0.${i + 1}`, channel: 'stable' }))).join(',')},`);
    repo.write(TOOL, text);
    repo.head();
    const found = await rules();
    expect(found).toContain('PR_ENTRY_TOO_LARGE');
    expect(found).toContain('PR_TOO_MANY_RELEASES');
  });

  it('budgets from the config: plugins per publisher and the assembled index size', async () => {
    repo.write('lattice-index.config.json', JSON.stringify({ schema: 'lattice.plugin.index-config.v1', budgets: { plugins_per_publisher: 1, index_bytes: 1000 } }));
    repo.commitAll('tight budgets on main');
    repo.git('branch', '-f', 'main', 'HEAD');
    repo.write('index/plugins/acme.second.json', json(plugin('acme.second', 'acme', [{ version: '0.1.0', channel: 'stable' }])));
    repo.head();
    expect((await rules()).sort()).toEqual(['PR_INDEX_TOO_LARGE', 'PR_TOO_MANY_PLUGINS']);
  });

  it('a malformed repository config on the base stops pr-check (exit 2), never loosening a rule', async () => {
    repo.write('lattice-index.config.json', JSON.stringify({ schema: 'lattice.plugin.index-config.v1', artifact_hosts: ['10.0.0.1'] }));
    repo.commitAll('bad config');
    repo.git('branch', '-f', 'main', 'HEAD');
    repo.head();
    const r = await repo.check();
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('lattice-index.config.json');
  });
});
