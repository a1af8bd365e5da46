#!/usr/bin/env node
// Runs a command with an X display for gpu.js's headless-gl backend: as is when DISPLAY is set or
// xvfb-run is missing (headless-gl tests then skip and say why), else under `xvfb-run -a`.
import { spawnSync } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: with-display.mjs <command> [args…]');
  process.exit(2);
}
const hasXvfb = spawnSync('sh', ['-c', 'command -v xvfb-run'], { stdio: 'ignore' }).status === 0;
const wrap = !process.env.DISPLAY && hasXvfb;
const result = wrap
  ? spawnSync('xvfb-run', ['-a', '-s', '-screen 0 1280x1024x24', command, ...args], { stdio: 'inherit' })
  : spawnSync(command, args, { stdio: 'inherit' });
if (result.error) {
  console.error(`with-display: could not run ${command}: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
