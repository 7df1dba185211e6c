/**
 * `lattice-index codeowners [--check]` — generate `.github/CODEOWNERS` from
 * `index/publishers/*.json` (src/domain/pr/codeowners.ts), or with `--check`
 * fail (exit 1) when the committed file differs from what would be generated.
 * @module
 */
import path from 'node:path';
import { InputError } from '../../core/errors.js';
import { CODEOWNERS_MAX_BYTES } from '../../core/limits.js';
import { locatePointer } from '../../core/json/locate.js';
import { DEFAULT_MAINTAINERS, GITHUB_OWNER_RE, renderCodeowners } from '../../domain/pr/codeowners.js';
import { readFileBounded, writeFileAtomic } from '../../io/files.js';
import { loadIndexSources } from '../../io/index-sources.js';
import { formatProblem } from '../index-check.js';
import { EXIT, err, out, setExitCode } from '../run.js';
import { defineCommand } from '../spec.js';

interface CodeownersArgs {
  'index-dir': string;
  out: string;
  maintainers: string;
  check: boolean;
}

export const codeownersCommand = defineCommand<CodeownersArgs>({
  name: 'codeowners',
  options: {
    'index-dir': { type: 'string', value: 'DIR', default: 'index', describe: 'directory holding the entry files' },
    out: { type: 'string', value: 'FILE', default: '.github/CODEOWNERS', describe: 'the CODEOWNERS file' },
    maintainers: { type: 'string', value: '@ORG/TEAM', default: DEFAULT_MAINTAINERS, describe: 'GitHub @org/team that owns everything' },
    check: { type: 'boolean', default: false, describe: 'compare with the existing file instead of writing it' },
  },
  run: async (args) => {
    if (!GITHUB_OWNER_RE.test(args.maintainers)) {
      throw new InputError('INPUT_INVALID', `--maintainers must be a GitHub @user or @org/team, found ${JSON.stringify(args.maintainers)}`);
    }
    const { sources, problems: readProblems } = await loadIndexSources(args['index-dir']);
    const publishers = readProblems.length > 0 ? [] : sources.publishers.map((f) => {
      const v = f.value as { id?: unknown; github_owners?: unknown } | null;
      const id = v !== null && typeof v === 'object' && typeof v.id === 'string' ? v.id : path.basename(f.path, '.json');
      return { id, github_owners: v !== null && typeof v === 'object' ? v.github_owners : undefined, file: f.path, text: f.text };
    });
    const rendered = readProblems.length > 0 ? undefined : renderCodeowners(publishers, args.maintainers);
    if (rendered === undefined || !rendered.ok) {
      for (const p of readProblems) err(formatProblem(p.file, p));
      if (rendered && !rendered.ok) {
        for (const p of rendered.problems) {
          const entry = publishers.find((x) => x.id === p.publisher);
          const pos = entry ? locatePointer(entry.text, p.instancePath) : null;
          err(formatProblem(entry?.file ?? args['index-dir'], { instancePath: p.instancePath, code: 'INPUT_INVALID', message: p.message, ...(pos ?? {}) }));
        }
      }
      err(`lattice-index: ${args.out} was not ${args.check ? 'checked' : 'written'}`);
      setExitCode(EXIT.INVALID);
      return;
    }
    if (args.check) {
      let current: string | undefined;
      try {
        current = new TextDecoder().decode(await readFileBounded(args.out, CODEOWNERS_MAX_BYTES));
      } catch (e) {
        if (!(e instanceof InputError) || e.code !== 'INPUT_NOT_FOUND') throw e;
      }
      if (current !== rendered.text) {
        err(`${args.out}: ${current === undefined ? 'missing' : 'stale'} — regenerate it with \`npm run codeowners\` (lattice-index codeowners) and commit it`);
        setExitCode(EXIT.INVALID);
        return;
      }
      out(`${args.out}: up to date (${publishers.length} publishers)`);
      return;
    }
    await writeFileAtomic(args.out, rendered.text);
    out(`${args.out}: written (${publishers.length} publishers)`);
  },
});
