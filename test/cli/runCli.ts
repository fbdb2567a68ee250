import type { Command } from 'commander';
import { vi } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';

function exitOverrideAll(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) exitOverrideAll(sub);
}

/**
 * Runs the `logtriage` CLI in-process with `args` and answers what it wrote to standard output and
 * standard error; a failing command rejects with its error instead of exiting the test process.
 */
export async function runCli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const program = buildProgram();
  exitOverrideAll(program);
  try {
    await program.parseAsync(['node', 'logtriage', ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  return { stdout, stderr };
}
