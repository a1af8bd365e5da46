// Child process for the concurrency test: opens two files of one repo into a shared cache and prints
// their sizes and sha256 as JSON. argv: <module path> <endpoint> <cacheDir> <repo>.
import { createHash } from 'node:crypto';

const [modulePath, endpoint, cacheDir, repo] = process.argv.slice(2);
const { openModelFile } = await import(modulePath);
const out = {};
for (const name of ['model.safetensors', 'config.json']) {
  const file = await openModelFile(repo, name, { endpoint, cacheDir, token: '', offline: false });
  out[name] = {
    size: file.size,
    sha256: createHash('sha256')
      .update(await file.bytes())
      .digest('hex'),
  };
  await file.close();
}
process.stdout.write(JSON.stringify(out));
