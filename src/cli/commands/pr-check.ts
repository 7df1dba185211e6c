/**
 * `lattice-index pr-check --base REF --head REF` — the publisher rules of
 * DESIGN §7 on a pull request: read both sides from git, run the pure rules
 * (src/domain/pr/rules.ts), print GitHub annotations, append a Markdown
 * summary to `$GITHUB_STEP_SUMMARY`, exit 0 ok / 1 failed / 3 needs review.
 * @module
 */
import { INDEX_DIR } from '../../domain/pr/layout.js';
import { formatAnnotation, formatLoadabilityLines, formatReportJSON, formatSummaryMarkdown, reportExitCode, reportHeadline } from '../../domain/pr/report.js';
import { checkPullRequest } from '../../domain/pr/rules.js';
import { changedPaths, commitTime, mergeBase, readFileAtCommit, readTreeSnapshot, repositoryRoot, resolveCommit } from '../../io/git.js';
import { DEFAULT_REPOSITORY_CONFIG, parseRepositoryConfig, REPOSITORY_CONFIG_PATH, type RepositoryConfig } from '../../domain/pr/publish-rules.js';
import { InputError } from '../../core/errors.js';
import { parseJSONStrict } from '../../core/json/strict.js';
import { POLICY_MAX_BYTES } from '../../core/limits.js';
import { MAX_ENTRY_BYTES } from '../../io/index-sources.js';
import { appendToFile, checkOutputPath } from '../../io/files.js';
import { cliEnv, out, setExitCode } from '../run.js';
import { defineCommand } from '../spec.js';
import { SERVER_RULES_CONFLICT, SERVER_RULES_OPTIONS, serverRulesFromArgs, type ServerRulesArgs } from '../server-version.js';

interface PrCheckArgs extends ServerRulesArgs {
  base: string;
  head: string;
  repo: string;
  json: boolean;
  summary?: string;
}

export const prCheckCommand = defineCommand<PrCheckArgs>({
  name: 'pr-check',
  options: {
    base: { type: 'string', value: 'REF', required: true, describe: 'git ref of the target branch, e.g. origin/main' },
    head: { type: 'string', value: 'REF', default: 'HEAD', describe: 'git ref of the pull request' },
    repo: { type: 'string', value: 'DIR', default: '.', describe: 'a directory inside the git repository' },
    json: { type: 'boolean', default: false, describe: 'print the report as JSON instead of annotations' },
    summary: { type: 'string', value: 'FILE', describe: 'append the Markdown summary to this file (default: $GITHUB_STEP_SUMMARY when set)' },
    ...SERVER_RULES_OPTIONS,
  },
  conflicts: [SERVER_RULES_CONFLICT],
  examples: [['$0 pr-check --base origin/main --head HEAD', 'check the current branch against main']],
  epilog: 'Stored manifests (index/manifests/<id>/<version>.json) must equal their signed entry, be signed by the publisher\'s key ' +
          'and never change. Every new release gets its loadability matrix on every known server version; one that loads on none ' +
          'needs review. Exit codes: 0 passes, 1 breaks a rule, 3 passes but needs a maintainer\'s review, 2 usage error.',
  run: async (args) => {
    const rules = serverRulesFromArgs(args);
    const summaryFile = args.summary ?? (cliEnv().GITHUB_STEP_SUMMARY || undefined);
    if (summaryFile !== undefined) await checkOutputPath(summaryFile);
    const root = await repositoryRoot(args.repo);
    const baseId = await resolveCommit(root, args.base);
    const headId = await resolveCommit(root, args.head);
    const mb = await mergeBase(root, baseId, headId);
    const changed = await changedPaths(root, mb, headId);
    const changedSet = new Set(changed.map((c) => c.path));
    const baseSnap = await readTreeSnapshot(root, mb, INDEX_DIR, MAX_ENTRY_BYTES);
    const headSnap = await readTreeSnapshot(root, headId, INDEX_DIR, MAX_ENTRY_BYTES);
    // An unreadable file the pull request does not touch is not this pull request's business.
    const unreadable = new Map([...headSnap.unreadable].filter(([p]) => changedSet.has(p)));

    // The rules come from the base: a pull request cannot loosen its own config.
    const config = await readRepositoryConfig(root, mb);
    const headCommitTime = await commitTime(root, headId);

    const report = checkPullRequest({
      base: baseSnap.files,
      head: headSnap.files,
      changedPaths: changed.map((c) => c.path),
      unreadable,
      headCommitTime,
      config,
    ...SERVER_RULES_OPTIONS,
    });

    const refs = { base: baseId, head: headId, mergeBase: mb };
    if (args.json) {
      out(formatReportJSON(report, refs));
    } else {
      for (const f of report.findings) out(formatAnnotation(f));
      for (const line of formatLoadabilityLines(report)) out(line);
      out(reportHeadline(report));
    }
    if (summaryFile !== undefined) await appendToFile(summaryFile, formatSummaryMarkdown(report, { base: mb, head: headId }) + '\n', 0o644);
    setExitCode(reportExitCode(report));
  },
});

/** `lattice-index.config.json` at `commit`, checked strictly; the defaults when there is none. */
async function readRepositoryConfig(root: string, commit: string): Promise<RepositoryConfig> {
  const bytes = await readFileAtCommit(root, commit, REPOSITORY_CONFIG_PATH, POLICY_MAX_BYTES);
  if (bytes === undefined) return DEFAULT_REPOSITORY_CONFIG;
  const parsed = parseJSONStrict(bytes, { maxBytes: POLICY_MAX_BYTES });
  if (!parsed.ok) throw new InputError(parsed.error.code, `${REPOSITORY_CONFIG_PATH} at ${commit.slice(0, 12)}:${parsed.error.line}:${parsed.error.column}: not strict JSON: ${parsed.error.message}`);
  const r = parseRepositoryConfig(parsed.value);
  if (!r.ok) throw new InputError('INPUT_INVALID', `${REPOSITORY_CONFIG_PATH} at ${commit.slice(0, 12)}: ${r.message}`);
  return r.config;
}
