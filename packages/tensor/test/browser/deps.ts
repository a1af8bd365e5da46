// Loads vite and playwright-core (devDependencies of this package) lazily, so that the browser test file can
// report a skip reason before either is touched.

export async function loadVite(): Promise<typeof import('vite')> {
  return import('vite');
}

export async function loadPlaywright(): Promise<{ chromium: import('playwright-core').BrowserType }> {
  return import('playwright-core');
}
