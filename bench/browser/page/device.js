// What the browser's GPU paths run on (a WebGPU adapter, a WebGL2 renderer), so that the figures of this
// machine (SwiftShader: the GPU emulated on the CPU) are never mistaken for a real GPU's, and a later run on
// a machine with one says which GPU it measured.

async function webgpuAdapter() {
  if (!navigator.gpu) return 'navigator.gpu is missing';
  try {
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) return 'no adapter (requestAdapter() returned null)';
    const info = adapter.info ?? {};
    const name = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
    const fallback = info.isFallbackAdapter ?? adapter.isFallbackAdapter;
    return `${name || 'unnamed adapter'}${fallback ? ' (fallback adapter: software)' : ''}`;
  } catch (error) {
    return `requestAdapter() failed: ${error?.message ?? error}`;
  }
}

function webgl2Renderer() {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return 'no webgl2 context';
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER);
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return String(renderer);
}

/** One line per GPU path: `{ webgpu, webgl2 }`. */
export async function describeGpu() {
  return { webgpu: await webgpuAdapter(), webgl2: webgl2Renderer() };
}
