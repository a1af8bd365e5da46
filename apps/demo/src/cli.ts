#!/usr/bin/env node
// The `gpt2js` command: generate text from a prompt (argument or stdin) with GPT-2, streaming it to
// stdout; loading progress and timings on stderr; --json, --config and --summary printouts. Every
// error ends as one line on stderr and a non-zero exit. The packages (GPU.js included) are imported
// only once the command line is valid, so --help and usage errors answer at once.
import { readFileSync } from 'node:fs';
import { DemoError, exitCodeFor, formatError } from './errors.js';
import { helpText } from './help.js';
import { type ResolvedSource, resolveModelSource } from './model-source.js';
import { type CliOptions, parseCliOptions } from './options.js';
import { ProgressReporter } from './progress.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** --config and --summary: the notebook's two printouts. */
async function inspect(options: CliOptions, resolved: ResolvedSource): Promise<void> {
  if (options.config) {
    const { GPT2Config } = await import('@gpt2js/gpt2');
    const config = await GPT2Config.fromPretrained(resolved.source);
    process.stdout.write(String(config));
  }
  if (options.summary) {
    const { loadModel } = await import('./runner.js');
    const progress = new ProgressReporter(process.stderr);
    const loaded = await loadModel(resolved.source, {
      backend: options.backend,
      dtype: options.dtype,
      onProgress: (e) => progress.update(e),
    });
    progress.clear();
    try {
      if (options.config) process.stdout.write('\n');
      process.stdout.write(`${loaded.model.toString()}\n\n${loaded.model.summary()}\n`);
    } finally {
      loaded.model.dispose();
    }
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseCliOptions(argv);
  if (options.help) {
    process.stdout.write(helpText(version()));
    return 0;
  }
  if (options.version) {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const resolved = resolveModelSource(options.model);
  if (options.config || options.summary) {
    await inspect(options, resolved);
    if (options.prompt === undefined) return 0;
  }
  let prompt = options.prompt;
  if (prompt === undefined) {
    if (process.stdin.isTTY) {
      throw new DemoError(
        'usage',
        'no prompt: pass it as an argument (gpt2js "Hello") or on stdin (see gpt2js --help)',
      );
    }
    prompt = await readStdin();
  }
  const { runGenerateCommand } = await import('./generate-command.js');
  return runGenerateCommand(options, resolved, prompt);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${formatError(e)}\n`);
    if (process.env.GPT2JS_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    process.exit(exitCodeFor(e));
  },
);
