/** Types of scripts/demo.mjs (for the end-to-end test). */
export interface DemoCommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}
export interface DemoResult {
  ok: boolean;
  install: DemoCommandResult;
  candidates: DemoCommandResult;
  pluginDir: string;
  /** Paths under the plugin directory after the install, sorted. */
  installed: string[];
  /** Parsed audit log lines. */
  audit: Record<string, unknown>[];
  work: string;
}
export function runDemo(opts?: { keep?: boolean; echo?: boolean; plugin?: string }): Promise<DemoResult>;
