// What the report says about the machine and the software under test, so that figures from different
// runs are never compared blind.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

function packageVersion(fromModule, name) {
  try {
    const require = createRequire(fileURLToPath(import.meta.resolve(fromModule)));
    let dir = require.resolve(name);
    // walk up to the package.json that names the package (works for packages without a ./package.json export)
    for (let i = 0; i < 6; i++) {
      dir = dir.slice(0, dir.lastIndexOf('/'));
      try {
        const pkg = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8'));
        if (pkg.name === name) return pkg.version;
      } catch {}
    }
  } catch {}
  return 'not found';
}

/** CPU, cores, memory, load, Node and the versions of the engines. */
export function machineInfo() {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: os.totalmem() / 2 ** 30,
    loadAverage: os.loadavg(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    transformersJs: packageVersion('@huggingface/transformers', '@huggingface/transformers'),
    onnxruntimeNode: packageVersion('@huggingface/transformers', 'onnxruntime-node'),
    gpujs: packageVersion('@gpt2js/tensor', 'gpu.js'),
  };
}
