import { Command } from 'commander';
import { initBackend, tf, type BackendPreference } from '../../scoring/index.js';
import { configFor } from '../context.js';

/** `logtriage doctor`: what this machine offers logtriage (backends, CUDA, Node). */
export function doctorCommand(): Command {
  return new Command('doctor')
    .description('report the TensorFlow.js backend in use, whether CUDA was found, and why other backends were skipped')
    .option('--backend <name>', 'try only this backend: auto, tensorflow, wasm or cpu (default: config scoring.backend)')
    .option('--json', 'print JSON')
    .action(async (options: { backend?: BackendPreference; json?: boolean }, cmd: Command) => {
      const report = await initBackend(options.backend ?? configFor(cmd).scoring.backend);
      const info = { node: process.version, platform: `${process.platform}-${process.arch}`, tfjs: tf.version.tfjs, backend: report.name, cuda: report.cuda, skipped: report.skipped };
      if (options.json) {
        process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
        return;
      }
      process.stdout.write(`node      ${info.node} (${info.platform})\ntfjs      ${info.tfjs}\nbackend   ${info.backend}\ncuda      ${info.cuda ? 'yes' : 'no'}\n`);
      for (const s of report.skipped) process.stdout.write(`skipped   ${s.name}: ${s.reason}\n`);
    });
}
