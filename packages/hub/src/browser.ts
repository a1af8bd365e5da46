// @gpt2js/hub, browser entry (exports condition "browser"): the same surface as index.ts over fetch and the
// Cache API. Nothing reachable from this file imports node:* (test/browser-entry.test.ts checks the graph).

export { defaultCacheDir, openModelFile, tryOpenModelFile } from './browser/open.js';
export { HubError, type HubErrorCode, type HubErrorDetails } from './errors.js';
export { resolveRepoId } from './repo-id.js';
export type { DownloadProgress, HubOptions, ModelFile, ModelSource } from './types.js';
