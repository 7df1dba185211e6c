/**
 * Risk presentation (site/src/lib/risk.ts), compatibility per server line
 * (compatibility.ts) and the pinned install command (install-command.ts).
 * Expected tiers and meanings are read from src/core/server-line.ts — the
 * one source of the capability table — never restated here.
 */
import { describe, expect, it } from 'vitest';
import {
  RISK_TIERS,
  SERVER_LINES,
  capabilityMeaning,
  capabilityRisk,
  serverLineProfile,
} from '../../src/core/server-line.js';
import {
  UNKNOWN_CAPABILITY_MEANING,
  capabilityPresentation,
  capabilityReference,
  highestRiskPresentation,
  riskPresentation,
} from '../../site/src/lib/risk.js';
import { loadability, loadableOn, runnerNote } from '../../site/src/lib/compatibility.js';
import { installCommand, shellQuote } from '../../site/src/lib/install-command.js';

describe('risk tiers in words and colour', () => {
  it('names every tier in words, with a distinct class', () => {
    expect(riskPresentation('read').words).toBe('Read only — low risk');
    expect(riskPresentation('write').words).toBe('Writes data — medium risk');
    expect(riskPresentation('host').words).toBe('Host access — high risk');
    const classes = RISK_TIERS.map((t) => riskPresentation(t).className);
    expect(new Set(classes).size).toBe(RISK_TIERS.length);
    expect(() => riskPresentation('extreme' as never)).toThrow(TypeError);
  });

  it('presents every capability of every line with the core tier and meaning', () => {
    // Source: src/core/server-lines/{main,integration}.json via serverLineProfile.
    for (const line of SERVER_LINES) {
      for (const [name, tier] of serverLineProfile(line).capabilities) {
        const p = capabilityPresentation(name, line);
        expect(p.known).toBe(true);
        expect(p.risk.tier).toBe(tier);
        expect(p.meaning).toBe(capabilityMeaning(name));
        expect(p.meaning.length).toBeGreaterThan(10);
        expect(p.lines).toEqual(SERVER_LINES.filter((l) => capabilityRisk(name, l) !== undefined));
      }
    }
  });

  it('treats an unknown capability as host risk (fail closed)', () => {
    const p = capabilityPresentation('made:up');
    expect(p).toMatchObject({ known: false, meaning: UNKNOWN_CAPABILITY_MEANING, lines: [] });
    expect(p.risk.tier).toBe('host');
    // wireguard:read is unknown on main but known on integration.
    expect(capabilityPresentation('wireguard:read', 'main').known).toBe(false);
    expect(capabilityPresentation('wireguard:read', 'integration').risk.tier).toBe('read');
  });

  it('highest risk is the maximum tier', () => {
    expect(highestRiskPresentation(['kv:read']).tier).toBe('read');
    expect(highestRiskPresentation(['kv:read', 'kv:write']).tier).toBe('write');
    expect(highestRiskPresentation(['kv:read', 'task:run']).words).toBe('Host access — high risk');
    expect(highestRiskPresentation([]).tier).toBe('read');
  });

  it('the reference lists the union of all lines, most dangerous first', () => {
    const ref = capabilityReference();
    const union = new Set(SERVER_LINES.flatMap((l) => [...serverLineProfile(l).capabilities.keys()]));
    expect(new Set(ref.map((c) => c.name))).toEqual(union);
    const order = ref.map((c) => RISK_TIERS.indexOf(c.risk.tier));
    expect([...order].sort((a, b) => b - a)).toEqual(order);
  });
});

describe('loadable on server line (interop §C.3/§C.4)', () => {
  it('system may declare any capability its line knows', () => {
    expect(loadableOn('system', ['task:run', 'secret:write'], 'main').loadable).toBe(true);
    const wg = loadability('system', ['wireguard:admin']);
    expect(wg.map((c) => [c.line, c.loadable])).toEqual([
      ['main', false],
      ['integration', true],
    ]);
    expect(wg[0]!.reasons[0]).toContain('wireguard:admin');
  });

  it('worker only the worker allowlist', () => {
    for (const cap of serverLineProfile('integration').workerCapabilities) expect(loadableOn('worker', [cap], 'integration').loadable).toBe(true);
    const r = loadableOn('worker', ['kv:read', 'http:egress', 'kv:write'], 'integration');
    expect(r.loadable).toBe(false);
    expect(r.reasons).toHaveLength(2);
  });

  it('wasm no host-risk capability except the exempt ones', () => {
    const exempt = [...serverLineProfile('integration').hostRiskExemptForNonSystem];
    expect(loadableOn('wasm', exempt, 'integration').loadable).toBe(true);
    expect(loadableOn('wasm', ['kv:write', 'log:write'], 'integration').loadable).toBe(true);
    expect(loadableOn('wasm', ['task:run'], 'integration').loadable).toBe(false);
  });

  it('explains the runner per type (interop §D.8)', () => {
    expect(runnerNote('system')).toContain('-plugin-runtime-dir');
    expect(runnerNote('wasm')).toContain('no-op');
  });
});

describe('install command', () => {
  it('pins id@version and names the alpha channel', () => {
    const tail = '--policy "$LATTICE_INSTALL_POLICY" --plugin-dir "$LATTICE_PLUGIN_DIR"';
    expect(installCommand('demo.hello', '1.0.0', 'stable')).toBe(`lattice-index install demo.hello@1.0.0 ${tail}`);
    expect(installCommand('demo.hello', '1.1.0-alpha.1', 'alpha', 'https://p.example/plugins.json')).toBe(
      `lattice-index install demo.hello@1.1.0-alpha.1 --channel alpha --index https://p.example/plugins.json ${tail}`,
    );
    expect(installCommand('a.b', '1.0.0+build.5', 'stable')).toBe(`lattice-index install a.b@1.0.0+build.5 ${tail}`);
  });

  it('is a command line `lattice-index install` accepts, as copied (after the shell expands the two variables)', async () => {
    const { installCommand: spec } = await import('../../src/cli/commands/install.js');
    const { parseCommandLine } = await import('../../src/cli/spec.js');
    for (const [channel, version] of [['stable', '1.0.0'], ['alpha', '1.1.0-alpha.1']] as const) {
      const line = installCommand('demo.hello', version, channel, 'https://p.example/plugins.json');
      // The shell: split on blanks, expand the two variables inside their double quotes.
      const words = line.split(' ').map((w) => w.replace('"$LATTICE_INSTALL_POLICY"', '/etc/lattice/policy.json').replace('"$LATTICE_PLUGIN_DIR"', '/var/lib/lattice/plugins'));
      expect(words.slice(0, 2)).toEqual(['lattice-index', 'install']);
      const args = parseCommandLine(spec, words.slice(2));
      expect(args).toMatchObject({ plugin: `demo.hello@${version}`, index: 'https://p.example/plugins.json', policy: '/etc/lattice/policy.json', 'plugin-dir': '/var/lib/lattice/plugins' });
    }
  });

  it('quotes anything a shell would interpret', () => {
    expect(shellQuote("x'; rm -rf /")).toBe(`'x'\\''; rm -rf /'`);
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote('$(id)')).toBe("'$(id)'");
  });
});
