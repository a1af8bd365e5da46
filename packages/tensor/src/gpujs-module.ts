// gpu.js as this package loads it: with its headless-gl addon loaded only when a headless-gl context is made
// (gl-deferred.ts). Every module of the package imports gpu.js from here. The imports below run in order:
// the hook first, then gpu.js; the hook is removed once gpu.js has loaded.

// biome-ignore assist/source/organizeImports: the hook must be evaluated before gpu.js
import { endGlDeferral } from './gl-deferral-start.js';
import gpujs from 'gpu.js';

endGlDeferral();

export default gpujs;
