// The browser's cache: one Cache API cache (default 'gpt2js-hub') keyed by the file's URL. Entries are
// written only after a download is complete and verified, so a cut download never lands in the cache.
// Without the Cache API (insecure context, some workers) files are fetched every time and a notice is logged.

/** Marks an entry that records a 404 for the file (so offline loads of optional files still work). */
export const MISSING_HEADER = 'x-gpt2js-missing';

export interface Store {
  match(url: string): Promise<Response | undefined>;
  put(url: string, response: Response): Promise<void>;
}

/** Opens the named cache, or undefined where the Cache API is unavailable. */
export async function openStore(
  name: string,
  log: ((m: string) => void) | undefined,
): Promise<Store | undefined> {
  const storage = (globalThis as { caches?: CacheStorage }).caches;
  if (!storage) {
    log?.('@gpt2js/hub: the Cache API is unavailable here (needs a secure context); files are not cached');
    return undefined;
  }
  const cache = await storage.open(name);
  return {
    match: (url) => cache.match(url),
    async put(url, response) {
      try {
        await cache.put(url, response);
      } catch (error) {
        log?.(
          `@gpt2js/hub: could not cache ${url} (${(error as Error).message}); it will be downloaded again`,
        );
      }
    },
  };
}
