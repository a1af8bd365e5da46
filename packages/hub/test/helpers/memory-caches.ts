// A minimal in-memory CacheStorage (open → match/put) standing in for the browser's Cache API under Node.

export class MemoryCacheStorage {
  readonly caches = new Map<string, Map<string, { body: Blob; headers: [string, string][] }>>();

  async open(name: string) {
    let entries = this.caches.get(name);
    if (!entries) this.caches.set(name, (entries = new Map()));
    const store = entries;
    return {
      async match(url: string): Promise<Response | undefined> {
        const hit = store.get(url);
        return hit && new Response(hit.body, { headers: hit.headers });
      },
      async put(url: string, response: Response): Promise<void> {
        store.set(url, { body: await response.blob(), headers: [...response.headers] });
      },
    };
  }
}
