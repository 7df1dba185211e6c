/**
 * Output of `lattice-index pr-check`: GitHub workflow-command annotations, a
 * Markdown job summary, and the JSON document of `--json`. Pure string
 * building; the command decides where each goes.
 *
 * Escaping follows the GitHub Actions toolkit (`@actions/core` command.ts):
 * in the message, `%` → `%25`, CR → `%0D`, LF → `%0A`; in property values
 * additionally `:` → `%3A` and `,` → `%2C`. Without it a message containing a
 * newline could end the annotation early and start a second, forged command.
 *
 * @module
 */
import { PR_RULES, type PullRequestFinding, type PullRequestReport } from './rules.js';

/**
 * Escape annotation message text (toolkit `escapeData`).
 * @example escapeAnnotationData('50%\nnext') // '50%25%0Anext'
 */
export function escapeAnnotationData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/**
 * Escape an annotation property value such as `file` or `title` (toolkit `escapeProperty`).
 * @example escapeAnnotationProperty('a,b:c') // 'a%2Cb%3Ac'
 */
export function escapeAnnotationProperty(s: string): string {
  return escapeAnnotationData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * One finding as a workflow command: `::error` for errors, `::warning` for
 * "needs maintainer review".
 *
 * @param f - the finding.
 * @returns e.g. `::error file=index/plugins/a.b.json,line=12,col=7,title=PR_RELEASE_MODIFIED::published release …`
 */
export function formatAnnotation(f: PullRequestFinding): string {
  const command = f.severity === 'error' ? 'error' : 'warning';
  const title = f.problemCode !== undefined ? `${f.rule} (${f.problemCode})` : f.rule;
  const props = [
    `file=${escapeAnnotationProperty(f.file)}`,
    `line=${f.line}`,
    ...(f.column !== undefined ? [`col=${f.column}`] : []),
    `title=${escapeAnnotationProperty(title)}`,
  ];
  return `::${command} ${props.join(',')}::${escapeAnnotationData(f.message)}`;
}

/** The process exit code a report maps to: 0 ok, 1 failed, 3 needs review. */
export function reportExitCode(report: PullRequestReport): 0 | 1 | 3 {
  return report.status === 'failed' ? 1 : report.status === 'review' ? 3 : 0;
}

/** A one-line verdict for people. */
export function reportHeadline(report: PullRequestReport): string {
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const reviews = report.findings.length - errors;
  const who = report.publishers.length > 0 ? ` (publisher${report.publishers.length > 1 ? 's' : ''}: ${report.publishers.join(', ')})` : '';
  if (report.status === 'failed') return `pr-check: failed — ${errors} error(s), ${reviews} item(s) for maintainer review${who}`;
  if (report.status === 'review') return `pr-check: passes the publisher rules, needs maintainer review — ${reviews} item(s)${who}`;
  return `pr-check: ok — ${report.touched.length} index file(s) changed${who}`;
}

/** Escape text for a Markdown table cell (pipes, newlines, HTML). */
function cell(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Inline code that survives backticks in the text. */
function code(s: string): string {
  return '<code>' + cell(s) + '</code>';
}

/**
 * The Markdown job summary (appended to `$GITHUB_STEP_SUMMARY`).
 *
 * @param report - the pr-check report.
 * @param refs - the compared commits, shown in the header.
 * @returns Markdown text ending in a newline.
 */
export function formatSummaryMarkdown(report: PullRequestReport, refs: { base: string; head: string }): string {
  const icon = report.status === 'failed' ? '❌' : report.status === 'review' ? '👀' : '✅';
  const verdict = report.status === 'failed' ? 'Failed' : report.status === 'review' ? 'Needs maintainer review' : 'Passed';
  const lines: string[] = [];
  lines.push(`## ${icon} Publisher rules: ${verdict}`, '');
  lines.push(`Compared ${code(refs.base.slice(0, 12))} (merge base) with ${code(refs.head.slice(0, 12))}.`, '');
  if (report.publishers.length > 0) lines.push(`Publisher${report.publishers.length > 1 ? 's' : ''}: ${report.publishers.map(code).join(', ')}`, '');
  if (report.touched.length > 0) {
    lines.push('| index file | change |', '|---|---|');
    for (const t of report.touched) lines.push(`| ${code(t.file)} | ${t.change} |`);
    lines.push('');
  }
  const section = (title: string, list: PullRequestFinding[]): void => {
    if (list.length === 0) return;
    lines.push(`### ${title}`, '', '| where | rule | message |', '|---|---|---|');
    for (const f of list) {
      const rule = f.problemCode !== undefined ? `${f.rule} (${f.problemCode})` : f.rule;
      lines.push(`| ${code(`${f.file}:${f.line}`)} | ${code(rule)} | ${cell(f.message)} |`);
    }
    lines.push('');
  };
  section('Errors', report.findings.filter((f) => f.severity === 'error'));
  section('Needs maintainer review', report.findings.filter((f) => f.severity === 'review'));
  if (report.findings.length === 0) lines.push('Every publisher rule holds.', '');
  const matrix = report.loadability ?? [];
  if (matrix.length > 0) {
    // DESIGN §4.5: which known server versions load each new release (docs/SERVER-VERSIONS.md).
    const versions = [...new Set(matrix.flatMap((r) => r.verdicts.map((v) => v.version)))];
    lines.push('### Loads on (new releases)', '');
    if (versions.length > 0) {
      lines.push(`| release | ${versions.map(code).join(' | ')} |`, `|---|${versions.map(() => '---').join('|')}|`);
      for (const r of matrix) {
        const cells = versions.map((v) => {
          const verdict = r.verdicts.find((x) => x.version === v);
          if (!r.stored || verdict === undefined) return 'not evaluated';
          return verdict.loads ? '✅ loads' : `❌ ${cell(verdict.error ?? '')}`;
        });
        lines.push(`| ${code(`${r.plugin}@${r.version}`)} | ${cells.join(' | ')} |`);
      }
    }
    const unstored = matrix.filter((r) => !r.stored);
    if (unstored.length > 0) {
      lines.push('', `Not evaluated (no stored manifest; \`lattice-index add\` stores it): ${unstored.map((r) => code(`${r.plugin}@${r.version}`)).join(', ')}`);
    }
    lines.push('');
  }
  const used = [...new Set(report.findings.map((f) => f.rule))].sort();
  if (used.length > 0) {
    lines.push('<details><summary>What the rules mean</summary>', '');
    for (const r of used) lines.push(`- ${code(r)}: ${cell(PR_RULES[r])}`);
    lines.push('', 'See CONTRIBUTING.md for the publisher workflow.', '', '</details>', '');
  }
  return lines.join('\n');
}

/**
 * The `--json` document: the report plus the compared commits and the exit code.
 */
export function formatReportJSON(report: PullRequestReport, refs: { base: string; head: string; mergeBase: string }): string {
  return JSON.stringify({ status: report.status, exitCode: reportExitCode(report), ...refs, publishers: report.publishers, touched: report.touched, findings: report.findings, loadability: report.loadability ?? [] }, null, 2);
}

/**
 * The matrix of the new releases as plain lines (`pr-check` without `--json`):
 * `loads on: <plugin>@<version>: <version> ✓, <version> ✗ (<error>), …`.
 */
export function formatLoadabilityLines(report: PullRequestReport): string[] {
  return (report.loadability ?? []).map((r) => {
    const head = `loads on: ${r.plugin}@${r.version}:`;
    if (!r.stored) return `${head} not evaluated (no stored manifest)`;
    return `${head} ${r.verdicts.map((v) => (v.loads ? `${v.version} yes` : `${v.version} no (${v.error ?? ''})`)).join(', ')}`;
  });
}
