/**
 * Runs one of the command-line tools from src/ (through tsx) to completion, and an in-memory
 * `Io` for calling a tool's `run()` directly.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Io } from '../../src/cli/main.js';
import { ROOT } from '../helpers/daemon.js';

const TSX = import.meta.resolve('tsx');

export interface ToolResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `netns`: run the tool inside that network namespace (root only) with `nsenter --net`, not
 * `ip netns exec`: the latter gives the tool a private mount namespace, so a namespace the tool
 * creates with `ip netns add` would be mounted there only and vanish with the tool.
 */
export function runTool(
  tool: string,
  args: readonly string[],
  options: { readonly netns?: string } = {},
): Promise<ToolResult> {
  const node = [process.execPath, '--import', TSX, join(ROOT, 'src', 'cli', `${tool}.ts`), ...args];
  const [file = '', ...argv] =
    options.netns === undefined ? node : ['nsenter', `--net=/run/netns/${options.netns}`, ...node];
  return new Promise((resolve) => {
    execFile(file, argv, { cwd: ROOT, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

export class MemoryIo implements Io {
  stdout = '';
  stderr = '';
  out(text: string): void {
    this.stdout += text;
  }
  err(text: string): void {
    this.stderr += text;
  }
}
