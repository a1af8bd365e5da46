// A static server on 127.0.0.1 (random port) for the built benchmark page at `/` and one model folder at
// `/model/<file>`. Every answer, 404s included, carries COOP/COEP/CORP: the page must be cross-origin
// isolated so that SharedArrayBuffer exists and gpu.js's webasm kernels can use their worker threads.
// @gpt2js/hub's browser entry fetches each model file whole with one GET, so Range requests are not served.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** The regular file under `root` that `rel` names, or undefined (missing, a folder, or outside root). */
function fileUnder(root, rel) {
  const file = normalize(join(root, rel));
  // a path that climbs out of root (../) or names root itself is refused
  if (!file.startsWith(root + sep)) return undefined;
  try {
    return statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Serves `pageDir` at `/` and `modelDir` at `/model/`.
 * @returns {Promise<{ url: string, close: () => Promise<void> }>} the page URL and a close function
 */
export async function serve({ pageDir, modelDir }) {
  const pageRoot = resolve(pageDir);
  const modelRoot = resolve(modelDir);
  const server = createServer((req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400, ISOLATION_HEADERS).end('bad path');
      return;
    }
    const file = path.startsWith('/model/')
      ? fileUnder(modelRoot, path.slice('/model/'.length))
      : fileUnder(pageRoot, path.endsWith('/') ? `${path}index.html` : path);
    if (file === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(file === undefined ? 404 : 405, ISOLATION_HEADERS).end();
      return;
    }
    res.writeHead(200, {
      ...ISOLATION_HEADERS,
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': String(statSync(file).size),
      'Cache-Control': 'no-store',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise((done, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', done);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
