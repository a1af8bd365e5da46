// Every tensor test file starts with fused multiply-adds off (GPT2JS_WASM_FMA=0), so that the stock-vs-extended
// bit-identity checks hold on engines with relaxed SIMD by default (Node 22+) exactly as on Node 20. The files
// that test fused multiply-adds clear the switch and enable relaxed SIMD themselves (each file runs in its
// own process, so neither leaks).
process.env.GPT2JS_WASM_FMA ??= '0';
