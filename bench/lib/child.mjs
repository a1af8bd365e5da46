// Runs one engine sample in a child process and returns its tagged result line, or the reason it failed.
import { spawn } from 'node:child_process';

/**
 * @param {string} script  path of the engine script
 * @param {object} args    JSON-serialisable engine arguments (argv[2])
 * @param {{ timeoutMs: number, env?: NodeJS.ProcessEnv, nodeArgs?: string[] }} options
 * @returns {Promise<{ ok: true, result: any } | { ok: false, error: string }>}
 */
export function runChild(script, args, { timeoutMs, env = process.env, nodeArgs = [] }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeArgs, script, JSON.stringify(args)], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (code === 0 && line) {
        resolve({ ok: true, result: JSON.parse(line.slice('BENCH_RESULT '.length)) });
        return;
      }
      const why = signal === 'SIGKILL' ? `timed out after ${timeoutMs / 1000} s` : `exit ${code ?? signal}`;
      const tail = err.trim().split('\n').slice(-3).join(' | ').slice(0, 400);
      resolve({ ok: false, error: `${why}${tail ? `: ${tail}` : ''}` });
    });
  });
}
