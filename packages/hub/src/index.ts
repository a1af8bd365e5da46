// @gpt2js/hub, Node entry (exports conditions "node" and "default"): the public surface only.

export { HubError, type HubErrorCode, type HubErrorDetails } from './errors.js';
export { defaultCacheDir } from './node/env.js';
export { openModelFile, tryOpenModelFile } from './node/open.js';
export { resolveRepoId } from './repo-id.js';
export type { DownloadProgress, HubOptions, ModelFile, ModelSource } from './types.js';
