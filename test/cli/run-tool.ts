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

export function runTool(tool: string, args: readonly string[]): Promise<ToolResult> {
  const argv = ['--import', TSX, join(ROOT, 'src', 'cli', `${tool}.ts`), ...args];
  return new Promise((resolve) => {
    execFile(process.execPath, argv, { cwd: ROOT, encoding: 'utf8' }, (err, stdout, stderr) => {
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
