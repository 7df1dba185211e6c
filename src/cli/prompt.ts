/**
 * The operator's yes/no question (DESIGN §5 step 8: "interactive prompt").
 * The answer is yes only for `y` or `yes` (any case, surrounding blanks
 * ignored); anything else, an empty line, or the end of input is **no**.
 *
 * @module
 */

/** Streams the prompt reads and writes (injected in tests). */
export interface PromptIO {
  input: NodeJS.ReadableStream;
  output: { write(chunk: string): unknown };
}

/**
 * Ask a yes/no question and read one line.
 *
 * @param question - the question, e.g. `Grant these capabilities? [y/N] `.
 * @param io - input and output streams.
 * @returns true only for `y`/`yes`.
 * @example
 * ```ts
 * if (!(await promptYesNo('Grant these capabilities? [y/N] ', { input: process.stdin, output: process.stderr }))) process.exitCode = 1;
 * ```
 */
export async function promptYesNo(question: string, io: PromptIO): Promise<boolean> {
  // Loaded here: only an interactive approval needs readline (CLI start of `install --yes`).
  const { createInterface } = await import('node:readline');
  return new Promise<boolean>((resolve) => {
    const rl = createInterface({ input: io.input, terminal: false });
    let answered = false;
    io.output.write(question);
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(/^(?:y|yes)$/i.test(line.trim()));
    });
    rl.once('close', () => {
      if (!answered) {
        io.output.write('\n');
        resolve(false);
      }
    });
  });
}
