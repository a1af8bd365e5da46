// A loopback imitation of the Hugging Face hub for the end-to-end tests: a "hub" server answering
// /{repo}/resolve/{revision}/{file} (LFS files → 302 to a second "CDN" server, other files → 200 with a git
// blob ETag), serving /work/main/models/gpt2-tiny under several repo names, each with one behaviour
// (dropped connection, short body, wrong bytes, 401, 403, 500, a renamed repo, a hostile ETag, …).
// sha256 and git blob ids are computed at start from the files themselves. Every request is recorded.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export const MODEL_DIR = join(import.meta.dirname, '../../../../models/gpt2-tiny');
export const COMMIT = createHash('sha1').update('gpt2js test commit').digest('hex');
export const TOKEN = 'hf_test_secret';

export interface ServedFile {
  bytes: Buffer;
  sha256: string;
  gitSha1: string;
  lfs: boolean;
}

export interface RequestRecord {
  server: 'hub' | 'cdn';
  path: string;
  authorization: string | undefined;
}

type Mode = 'ok' | 'drop' | 'short' | 'corrupt' | 'barrier';

export interface HubServer {
  endpoint: string;
  cdnOrigin: string;
  files: Map<string, ServedFile>;
  requests: RequestRecord[];
  close(): Promise<void>;
}

const REPO_MODES: Record<string, Mode> = {
  'test/gpt2-tiny': 'ok',
  'test/private': 'ok',
  'test/drop': 'drop',
  'test/short': 'short',
  'test/corrupt': 'corrupt',
  'test/barrier': 'barrier',
};
const REVISIONS = new Set(['main', 'v1', 'refs/pr/1', COMMIT]);

function loadFiles(): Map<string, ServedFile> {
  const files = new Map<string, ServedFile>();
  for (const name of readdirSync(MODEL_DIR)) {
    const bytes = readFileSync(join(MODEL_DIR, name));
    files.set(name, {
      bytes,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      gitSha1: createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex'),
      lfs: /\.(safetensors|bin)$/.test(name),
    });
  }
  return files;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    );
  });
}

function fail(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain', ...headers });
  res.end(`error ${status}`);
}

/** Starts both servers on random loopback ports. */
export async function startHub(): Promise<HubServer> {
  const files = loadFiles();
  const requests: RequestRecord[] = [];
  const waiting: (() => void)[] = [];
  const record = (server: 'hub' | 'cdn', req: IncomingMessage) =>
    requests.push({ server, path: req.url ?? '', authorization: req.headers.authorization });

  let cdnOrigin = '';
  const hub = createServer((req, res) => {
    record('hub', req);
    const path = req.url ?? '/';
    const plain = /^\/(plain|files)\/(.+)$/.exec(path);
    if (plain) {
      const file = files.get(decodeURIComponent(plain[2]));
      if (!file) return fail(res, 404);
      if (plain[1] === 'plain') {
        res.writeHead(302, { location: `${cdnOrigin}/lfs/ok/${file.sha256}` });
        return res.end();
      }
      res.writeHead(200, { 'content-length': String(file.bytes.length) });
      return res.end(file.bytes);
    }
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (!m) return fail(res, 404);
    const repo = m[1];
    const revision = decodeURIComponent(m[2]);
    const name = m[3].split('/').map(decodeURIComponent).join('/');
    if (repo === 'old/gpt2-tiny') {
      res.writeHead(307, { location: `/test/gpt2-tiny/resolve/${m[2]}/${m[3]}` });
      return res.end();
    }
    if (repo === 'test/gated')
      return fail(res, 403, { 'x-error-code': 'GatedRepo', 'x-error-message': 'gated' });
    if (repo === 'test/broken') return fail(res, 500);
    if (repo === 'test/private' && req.headers.authorization !== `Bearer ${TOKEN}`) return fail(res, 401);
    if (repo === 'test/evil-etag') {
      res.writeHead(302, {
        location: `${cdnOrigin}/lfs/ok/x`,
        'x-repo-commit': COMMIT,
        'x-linked-etag': '"../../../../escaped"',
        'x-linked-size': '4',
      });
      return res.end();
    }
    const mode = REPO_MODES[repo];
    if (!mode)
      return fail(res, 404, { 'x-error-code': 'RepoNotFound', 'x-error-message': 'Repository not found' });
    if (!REVISIONS.has(revision)) return fail(res, 404, { 'x-error-code': 'RevisionNotFound' });
    const file = files.get(name);
    if (!file) return fail(res, 404, { 'x-error-code': 'EntryNotFound', 'x-repo-commit': COMMIT });
    if (file.lfs) {
      res.writeHead(302, {
        location: `${cdnOrigin}/lfs/${mode}/${file.sha256}?X-Signature=secret`,
        'x-repo-commit': COMMIT,
        'x-linked-etag': `"${file.sha256}"`,
        'x-linked-size': String(file.bytes.length),
        etag: `"${file.sha256}"`,
      });
      return res.end();
    }
    res.writeHead(200, {
      'content-length': String(file.bytes.length),
      'x-repo-commit': COMMIT,
      etag: `W/"${file.gitSha1}"`,
    });
    res.end(file.bytes);
  });

  const bySha = new Map([...files.values()].map((f) => [f.sha256, f]));
  const cdn = createServer((req, res) => {
    record('cdn', req);
    const m = /^\/lfs\/([a-z]+)\/([0-9a-f]{64})/.exec(req.url ?? '');
    const file = m && bySha.get(m[2]);
    if (!m || !file) return fail(res, 404);
    const mode = m[1] as Mode;
    const headers = {
      'x-repo-commit': COMMIT,
      'x-linked-etag': `"${file.sha256}"`,
      'x-linked-size': String(file.bytes.length),
    };
    const body = file.bytes;
    if (mode === 'drop') {
      res.writeHead(200, { ...headers, 'content-length': String(body.length) });
      res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
      return;
    }
    if (mode === 'short') {
      res.writeHead(200, headers); // chunked, then a clean end after three quarters
      return res.end(body.subarray(0, (body.length * 3) >> 2));
    }
    if (mode === 'corrupt') {
      const bad = Buffer.from(body);
      bad[bad.length >> 1] ^= 0xff;
      res.writeHead(200, { ...headers, 'content-length': String(bad.length) });
      return res.end(bad);
    }
    res.writeHead(200, { ...headers, 'content-length': String(body.length) });
    if (mode !== 'barrier') return res.end(body);
    // Hold every response until two are in flight (or 5 s), then send slowly: two downloads truly overlap.
    const send = () => {
      let at = 0;
      const next = () => {
        if (at >= body.length) return res.end();
        res.write(body.subarray(at, (at += 1 << 20)), () => setTimeout(next, 2));
      };
      next();
    };
    waiting.push(send);
    if (waiting.length >= 2) for (const go of waiting.splice(0)) go();
    else
      setTimeout(() => {
        for (const go of waiting.splice(0)) go();
      }, 5000).unref();
  });

  const endpoint = await listen(hub);
  cdnOrigin = await listen(cdn);
  const close = (s: Server) =>
    new Promise<void>((resolve) => {
      s.closeAllConnections();
      s.close(() => resolve());
    });
  return {
    endpoint,
    cdnOrigin,
    files,
    requests,
    close: async () => void (await Promise.all([close(hub), close(cdn)])),
  };
}
