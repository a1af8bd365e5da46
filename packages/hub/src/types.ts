// Public types of @gpt2js/hub, identical for the Node and browser entries.

/** A local directory (Node), an `http(s)://` base URL, or a hub repo id (`gpt2`, `owner/name`). */
export type ModelSource = string;

/** Options of {@link openModelFile}; every field is optional and falls back to the HF environment variables. */
export interface HubOptions {
  /** Branch, tag or 40-hex commit. Default `'main'`. */
  revision?: string;
  /** Node: cache folder, default `HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`. Browser: Cache API name, default `'gpt2js-hub'`. */
  cacheDir?: string;
  /** Hub base URL, default `HF_ENDPOINT`, else `https://huggingface.co`. */
  endpoint?: string;
  /** Hub token, default `HF_TOKEN`, else `HUGGING_FACE_HUB_TOKEN`, else the `huggingface-cli login` token file (Node). `''` sends none. */
  token?: string;
  /** Never touch the network; default `HF_HUB_OFFLINE` (`1`, `true`, `yes`, `on`). */
  offline?: boolean;
  /** Called as bytes arrive (and once with `fromCache: true` on a cache hit). */
  onProgress?: (p: DownloadProgress) => void;
  /** Aborts the request and the download (HubError `aborted`); the cache stays as it was. */
  signal?: AbortSignal;
  /** Injectable fetch (tests, proxies). Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Receives notices such as a followed cross-host redirect. */
  log?: (message: string) => void;
}

/** One progress report. `loaded` never decreases; the last report of a file has `done: true`. */
export interface DownloadProgress {
  file: string;
  loaded: number;
  total?: number;
  done: boolean;
  fromCache: boolean;
}

/** A file opened for reading: random access without a full copy, plus whole-file helpers. */
export interface ModelFile {
  /** File name within the repo, e.g. `'model.safetensors'`. */
  readonly name: string;
  /** Size in bytes. */
  readonly size: number;
  /** Absolute local path when the bytes are on disk (Node). */
  readonly path?: string;
  /**
   * Reads `length` bytes at `offset` (HubError `out_of_range` past the end). With `into` (at least
   * `length` bytes), files on disk read into it and return a view of it, so a caller streaming a large
   * tensor block by block can reuse one buffer; other sources may return a new array.
   */
  read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array>;
  /** The whole file. */
  bytes(): Promise<Uint8Array>;
  /** The whole file decoded as UTF-8. */
  text(): Promise<string>;
  /** The whole file parsed as JSON (HubError `invalid_json` naming the file). */
  json<T = unknown>(): Promise<T>;
  /**
   * Releases the file handle; idempotent. In a browser a file just downloaded is written to the Cache API
   * while it is read: close() resolves once that write is done.
   */
  close(): Promise<void>;
}
