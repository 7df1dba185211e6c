/**
 * Read-only git access for `lattice-index pr-check` (DESIGN §7): resolve the
 * base and head of a pull request, list what changed, and read the index
 * entry files of both sides as bytes.
 *
 * Safety rules, all enforced here:
 * - `git` is spawned with an **argument array**, never through a shell, with
 *   prompts, pagers, external diff drivers, text conversion and colour off.
 * - Refs from the command line are checked by {@link isSafeGitRef} (no leading
 *   `-`, no `..`, no `:`, no whitespace or control characters) and then
 *   resolved **once** to a full commit id; every later command uses that id,
 *   so a ref that moves during the run cannot mix two states.
 * - Every command has a timeout and a cap on the bytes it may print; blobs
 *   larger than the entry-file cap are never read.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { InputError } from '../core/errors.js';

/** Default time limit of one git command. */
export const GIT_TIMEOUT_MS = 60_000;
/** Default cap on what one git command may print (256 MiB). */
export const GIT_MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

/** A full SHA-1 or SHA-256 object id. */
const OBJECT_ID_RE = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/**
 * Characters a ref may use here: what branch names, tags, remotes, `HEAD~2`,
 * `main^` and commit ids need — and nothing a shell or git's own option and
 * `rev:path` parsers treat specially.
 */
const REF_CHARS_RE = /^[A-Za-z0-9._/~^@+-]{1,255}$/;

/**
 * Is `ref` acceptable as a base/head argument? Branch names, tags, remote
 * branches (`origin/main`), `HEAD`, ancestry suffixes (`HEAD~1`, `main^`) and
 * commit ids pass; anything that could be read as an option (`-…`), a range
 * (`a..b`), a `rev:path` (`:`), a reflog/upstream expression (`@{…}`) or that
 * holds whitespace or control characters does not.
 *
 * @param ref - the text from the command line.
 * @returns true when the ref is safe to pass to git.
 * @example isSafeGitRef('origin/main') // true
 * @example isSafeGitRef('--output=/etc/passwd') // false
 */
export function isSafeGitRef(ref: string): boolean {
  return (
    typeof ref === 'string' &&
    REF_CHARS_RE.test(ref) &&
    !ref.startsWith('-') &&
    !ref.includes('..') &&
    !ref.includes('@{') &&
    !ref.endsWith('/') &&
    !ref.endsWith('.lock')
  );
}

/** Options of one git invocation. */
export interface GitRunOptions {
  /** Working directory (inside the repository). */
  cwd: string;
  /** Time limit (default {@link GIT_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Cap on stdout bytes (default {@link GIT_MAX_OUTPUT_BYTES}). */
  maxBytes?: number;
  /** Bytes written to stdin, then closed. */
  input?: string;
}

/** What a finished git command returned. */
export interface GitRunResult {
  status: number;
  stdout: Buffer;
  stderr: string;
}

/**
 * Run `git <args>` without a shell. Resolves with the exit status, whatever it
 * is; rejects only when git cannot be started, times out or prints more than
 * the cap.
 *
 * @param args - the arguments after `git` (global `-c` options are prepended here).
 * @param opts - working directory and limits.
 * @returns status, stdout bytes and stderr text.
 * @throws InputError INPUT_UNREADABLE when git is missing, too slow or too verbose.
 * @example await runGit(['rev-parse', '--show-toplevel'], { cwd: '.' })
 */
export function runGit(args: readonly string[], opts: GitRunOptions): Promise<GitRunResult> {
  const timeoutMs = opts.timeoutMs ?? GIT_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? GIT_MAX_OUTPUT_BYTES;
  const fullArgs = [
    '-c', 'core.quotepath=off',
    '-c', 'color.ui=never',
    '-c', 'core.pager=cat',
    '--no-pager',
    ...args,
  ];
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn('git', fullArgs, {
        cwd: opts.cwd,
        shell: false,
        stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        env: {
          ...process.env,
          GIT_TERMINAL_PROMPT: '0',
          GIT_OPTIONAL_LOCKS: '0',
          GIT_PAGER: 'cat',
          LC_ALL: 'C',
        },
      });
    } catch (e) {
      reject(new InputError('INPUT_UNREADABLE', `cannot run git: ${(e as Error).message}`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let failed: InputError | undefined;
    const fail = (e: InputError): void => {
      if (failed) return;
      failed = e;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => fail(new InputError('INPUT_UNREADABLE', `git ${args[0]} did not finish within ${timeoutMs} ms`)), timeoutMs);
    child.stdout!.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) fail(new InputError('INPUT_UNREADABLE', `git ${args[0]} printed more than ${maxBytes} bytes`));
      else chunks.push(c);
    });
    child.stderr!.on('data', (c: Buffer) => {
      if (stderr.length < 64 * 1024) stderr += c.toString('utf8');
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(failed ?? new InputError('INPUT_UNREADABLE', `cannot run git: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failed) reject(failed);
      else resolve({ status: code ?? 1, stdout: Buffer.concat(chunks), stderr });
    });
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => {}); // git may exit before reading everything; the status tells
      child.stdin!.end(opts.input);
    }
  });
}

async function gitText(args: readonly string[], opts: GitRunOptions, what: string): Promise<string> {
  const r = await runGit(args, opts);
  if (r.status !== 0) {
    throw new InputError('INPUT_UNREADABLE', `${what}: git ${args[0]} failed: ${firstLine(r.stderr) || `exit ${r.status}`}`);
  }
  return r.stdout.toString('utf8');
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0]?.trim() ?? '';
}

/**
 * The top directory of the work tree that contains `cwd`.
 * @throws InputError INPUT_UNREADABLE when `cwd` is not inside a git work tree.
 */
export async function repositoryRoot(cwd: string): Promise<string> {
  return (await gitText(['rev-parse', '--show-toplevel'], { cwd }, `${cwd} is not inside a git repository`)).trim();
}

/**
 * Resolve a ref to the full id of the commit it names.
 *
 * @param repo - a directory inside the repository.
 * @param ref - a branch, tag, remote branch, `HEAD~n` or commit id.
 * @returns the commit id (40 or 64 lowercase hex digits).
 * @throws InputError INPUT_INVALID when the ref is unsafe ({@link isSafeGitRef}) or names no commit.
 * @example await resolveCommit('.', 'origin/main')
 */
export async function resolveCommit(repo: string, ref: string): Promise<string> {
  if (!isSafeGitRef(ref)) {
    throw new InputError('INPUT_INVALID', `refusing git ref ${JSON.stringify(ref)}: expected a branch, tag, commit id or HEAD~n (no leading "-", "..", ":" or spaces)`);
  }
  const r = await runGit(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { cwd: repo, maxBytes: 4096 });
  const id = r.stdout.toString('utf8').trim();
  if (r.status !== 0 || !OBJECT_ID_RE.test(id)) {
    throw new InputError('INPUT_INVALID', `git ref ${JSON.stringify(ref)} does not name a commit in ${repo} (fetch it first, e.g. with fetch-depth: 0)`);
  }
  return id;
}

/**
 * The committer time of a commit (ms since the epoch): the time a pull
 * request's head was committed, which new releases' `published_at` is judged against.
 *
 * @param repo - a directory inside the repository.
 * @param commit - a full commit id.
 */
export async function commitTime(repo: string, commit: string): Promise<number> {
  assertObjectId(commit);
  const text = (await gitText(['show', '-s', '--format=%ct', '--end-of-options', commit], { cwd: repo, maxBytes: 64 }, `cannot read the time of ${commit}`)).trim();
  if (!/^\d{1,12}$/.test(text)) throw new InputError('INPUT_UNREADABLE', `git printed no commit time for ${commit}`);
  return Number(text) * 1000;
}

/**
 * A file's bytes at a commit, or `undefined` when the commit has no such file.
 *
 * @param repo - a directory inside the repository.
 * @param commit - a full commit id.
 * @param file - repository-relative path.
 * @param maxBytes - cap.
 */
export async function readFileAtCommit(repo: string, commit: string, file: string, maxBytes: number): Promise<Uint8Array | undefined> {
  assertObjectId(commit);
  const r = await runGit(['cat-file', 'blob', '--end-of-options', `${commit}:${file}`], { cwd: repo, maxBytes });
  if (r.status !== 0) {
    const exists = await runGit(['cat-file', '-e', '--end-of-options', `${commit}:${file}`], { cwd: repo, maxBytes: 64 });
    if (exists.status !== 0) return undefined;
    throw new InputError('INPUT_UNREADABLE', `cannot read ${file} at ${commit}: ${firstLine(r.stderr) || `exit ${r.status}`}`);
  }
  return new Uint8Array(r.stdout);
}

/**
 * The best common ancestor of two commits: the "base" a pull request is
 * compared with (what `git diff base...head` uses).
 * @throws InputError INPUT_INVALID when the commits share no history.
 */
export async function mergeBase(repo: string, a: string, b: string): Promise<string> {
  assertObjectId(a);
  assertObjectId(b);
  const r = await runGit(['merge-base', a, b], { cwd: repo, maxBytes: 4096 });
  const id = r.stdout.toString('utf8').trim();
  if (r.status !== 0 || !OBJECT_ID_RE.test(id)) {
    throw new InputError('INPUT_INVALID', `commits ${a.slice(0, 12)} and ${b.slice(0, 12)} share no history`);
  }
  return id;
}

/** One changed path: git's status letter (`A`, `M`, `D`, `T`, …) and the path. */
export interface ChangedPath {
  status: string;
  path: string;
}

/**
 * Paths that differ between two commits (`git diff --name-status -z
 * --no-renames from to`). Renames are reported as a deletion plus an
 * addition, so both paths are checked.
 *
 * @param repo - a directory inside the repository.
 * @param from - commit id of the older side (the merge base).
 * @param to - commit id of the newer side (the head).
 * @returns the changed paths in git's order (sorted by path).
 * @throws InputError INPUT_UNREADABLE when git fails.
 */
export async function changedPaths(repo: string, from: string, to: string): Promise<ChangedPath[]> {
  assertObjectId(from);
  assertObjectId(to);
  const out = await gitText(
    ['diff', '--name-status', '-z', '--no-renames', '--no-ext-diff', '--no-textconv', from, to, '--'],
    { cwd: repo },
    'cannot list changed files',
  );
  const parts = out.split('\0');
  const result: ChangedPath[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const status = parts[i]!;
    const p = parts[i + 1]!;
    if (!/^[A-Z][0-9]*$/.test(status) || p === '') throw new InputError('INPUT_UNREADABLE', `cannot parse git diff output near ${JSON.stringify(status)}`);
    result.push({ status: status[0]!, path: p });
  }
  return result;
}

/** One entry of a tree listing. */
export interface TreeEntry {
  /** Git file mode: `100644`/`100755` regular file, `120000` symlink, `160000` submodule. */
  mode: string;
  type: string;
  object: string;
  /** Size in bytes for blobs; `-1` otherwise. */
  size: number;
  /** Path from the repository root, `/`-separated. */
  path: string;
}

/**
 * Every file below `dir` in a commit (`git ls-tree -r -l -z --full-tree`).
 *
 * @param repo - a directory inside the repository.
 * @param commit - a commit id.
 * @param dir - a directory path from the repository root, e.g. `index`.
 * @throws InputError INPUT_UNREADABLE when git fails.
 */
export async function listTree(repo: string, commit: string, dir: string): Promise<TreeEntry[]> {
  assertObjectId(commit);
  const out = await gitText(['ls-tree', '-r', '-l', '-z', '--full-tree', commit, '--', dir], { cwd: repo }, `cannot list ${dir} at ${commit.slice(0, 12)}`);
  const entries: TreeEntry[] = [];
  for (const rec of out.split('\0')) {
    if (rec === '') continue;
    const m = /^([0-7]{6}) (\w+) ([0-9a-f]+) +(-|\d+)\t(.+)$/s.exec(rec);
    if (!m) throw new InputError('INPUT_UNREADABLE', `cannot parse git ls-tree output ${JSON.stringify(rec.slice(0, 80))}`);
    entries.push({ mode: m[1]!, type: m[2]!, object: m[3]!, size: m[4] === '-' ? -1 : Number(m[4]), path: m[5]! });
  }
  return entries;
}

/**
 * Read blobs by object id in one `git cat-file --batch` process.
 *
 * @param repo - a directory inside the repository.
 * @param objects - blob ids (duplicates are read once).
 * @param maxBytesEach - refuse (throw) when a blob is larger: callers check sizes from {@link listTree} first.
 * @returns object id → bytes.
 * @throws InputError INPUT_UNREADABLE when an object is missing, not a blob, or too large.
 */
export async function readBlobs(repo: string, objects: readonly string[], maxBytesEach: number): Promise<Map<string, Uint8Array>> {
  const unique = [...new Set(objects)];
  for (const o of unique) assertObjectId(o);
  const result = new Map<string, Uint8Array>();
  if (unique.length === 0) return result;
  const r = await runGit(['cat-file', '--batch'], { cwd: repo, input: unique.join('\n') + '\n' });
  if (r.status !== 0) throw new InputError('INPUT_UNREADABLE', `git cat-file failed: ${firstLine(r.stderr) || `exit ${r.status}`}`);
  const out = r.stdout;
  let pos = 0;
  for (const id of unique) {
    const nl = out.indexOf(0x0a, pos);
    if (nl < 0) throw new InputError('INPUT_UNREADABLE', 'git cat-file output ended early');
    const header = out.subarray(pos, nl).toString('utf8');
    const m = /^([0-9a-f]+) (\w+) (\d+)$/.exec(header);
    if (!m || m[1] !== id) throw new InputError('INPUT_UNREADABLE', `git cat-file: cannot read object ${id.slice(0, 12)} (${header})`);
    if (m[2] !== 'blob') throw new InputError('INPUT_UNREADABLE', `git object ${id.slice(0, 12)} is a ${m[2]}, expected a blob`);
    const size = Number(m[3]);
    if (size > maxBytesEach) throw new InputError('INPUT_UNREADABLE', `git blob ${id.slice(0, 12)} has ${size} bytes, more than ${maxBytesEach}`);
    const start = nl + 1;
    if (start + size + 1 > out.length) throw new InputError('INPUT_UNREADABLE', 'git cat-file output ended early');
    result.set(id, new Uint8Array(out.subarray(start, start + size)));
    pos = start + size + 1; // content is followed by a newline
  }
  return result;
}

function assertObjectId(id: string): void {
  if (!OBJECT_ID_RE.test(id)) throw new TypeError(`expected a full commit/object id, found ${JSON.stringify(id)}`);
}

/** The UTF-8 text files of a directory at one commit. */
export interface TreeSnapshot {
  /** Path → text, for regular files that are valid UTF-8 and within the size cap. */
  files: Map<string, string>;
  /** Path → why it is not in `files` (symlink, submodule, too large, not UTF-8). */
  unreadable: Map<string, string>;
}

/**
 * Read every file below `dir` at `commit` as text: one `ls-tree` and one
 * `cat-file --batch`. Symlinks, submodules, files larger than `maxBytesEach`
 * and files that are not UTF-8 are listed in `unreadable` instead of being read.
 *
 * @param repo - a directory inside the repository.
 * @param commit - a commit id.
 * @param dir - e.g. `index`.
 * @param maxBytesEach - size cap of one file.
 * @throws InputError INPUT_UNREADABLE when git fails.
 * @example const { files } = await readTreeSnapshot('.', headId, 'index', 4 << 20)
 */
export async function readTreeSnapshot(repo: string, commit: string, dir: string, maxBytesEach: number): Promise<TreeSnapshot> {
  const files = new Map<string, string>();
  const unreadable = new Map<string, string>();
  const wanted: TreeEntry[] = [];
  for (const e of await listTree(repo, commit, dir)) {
    if (e.mode === '120000') unreadable.set(e.path, 'is a symbolic link');
    else if (e.type !== 'blob') unreadable.set(e.path, `is a ${e.type === 'commit' ? 'submodule' : e.type}`);
    else if (e.size > maxBytesEach) unreadable.set(e.path, `has ${e.size} bytes, more than the ${maxBytesEach}-byte limit`);
    else wanted.push(e);
  }
  const blobs = await readBlobs(repo, wanted.map((e) => e.object), maxBytesEach);
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  for (const e of wanted) {
    try {
      files.set(e.path, decoder.decode(blobs.get(e.object)!));
    } catch {
      unreadable.set(e.path, 'is not valid UTF-8');
    }
  }
  return { files, unreadable };
}
