// Evaluated before gpu.js (gpujs-module.ts imports it first): starts deferring gpu.js's `require('gl')`.
import { deferGlWhileGpujsLoads } from './gl-deferred.js';

/** Stops the deferral hook (gpujs-module.ts calls it once gpu.js has loaded). */
export const endGlDeferral = deferGlWhileGpujsLoads();
