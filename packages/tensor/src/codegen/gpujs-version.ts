// Reads the version of the gpu.js this package resolves, without a static Node import (the same
// module is bundled for browsers, where there is no package.json to read and the answer is null).

interface NodeProcessLike {
  getBuiltinModule?: (id: string) => unknown;
}

interface NodeModuleLike {
  createRequire(from: string): (id: string) => unknown;
}

/** gpu.js's package.json version as resolved from this file, or null where it cannot be read. */
export function readGpujsVersion(): string | null {
  const processLike = (globalThis as { process?: NodeProcessLike }).process;
  const getBuiltin = processLike?.getBuiltinModule;
  if (typeof getBuiltin !== 'function') return null;
  try {
    const nodeModule = getBuiltin('node:module') as NodeModuleLike | undefined;
    if (!nodeModule) return null;
    const manifest = nodeModule.createRequire(import.meta.url)('gpu.js/package.json') as {
      version?: unknown;
    };
    return typeof manifest.version === 'string' ? manifest.version : null;
  } catch {
    return null;
  }
}
