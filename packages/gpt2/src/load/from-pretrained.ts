// source (local directory, URL base or hub repo id) → config.json → safetensors header(s) → checked state-dict
// plan → weights on a Backend, one tensor at a time (read, convert to f32, upload, drop), so the host never
// holds more than the largest tensor next to what the backend stores.

import {
  type HubOptions,
  type ModelFile,
  type ModelSource,
  openModelFile,
  tryOpenModelFile,
} from '@gpt2js/hub';
import {
  type Backend,
  type BackendName,
  createBackend,
  type KVCacheDType,
  type Tensor,
  type Weight,
  type WeightDType,
} from '@gpt2js/tensor';
import { GPT2Config } from '../config.js';
import { CheckpointError, GPT2Error } from '../errors.js';
import type { BlockWeights, Conv1DWeights, GPT2Weights, LayerNormWeights } from '../modules/weights.js';
import {
  readSafetensorsHeader,
  readTensorAsF32,
  readTensorRowsAsF32,
  type SafetensorsHeader,
} from './safetensors.js';
import { planStateDict, type StateDictPlan } from './state-dict.js';

/** Progress of `fromPretrained`: downloads (hub), then tensors uploaded to the backend (bytes of the file). */
export type LoadProgress =
  | { phase: 'download'; file: string; loaded: number; total?: number }
  | { phase: 'load'; loaded: number; total: number };

/** Options of `fromPretrained`: hub options plus where and how the weights live. */
export interface LoadOptions extends Omit<HubOptions, 'onProgress'> {
  /** A backend name, 'auto' (default; env GPT2JS_BACKEND overrides), or a Backend you own and dispose. */
  backend?: BackendName | 'auto' | Backend;
  /** Storage of the weight matrices (wte and every Conv1D): 'f32' (default), 'f16' or 'int8'. */
  dtype?: WeightDType;
  /**
   * Storage of the keys and values the model caches while it decodes: 'f32' (default) or 'f16' (webasm keeps
   * halves: half the cache's memory, and fewer bytes read a step at long contexts; other backends keep f32).
   */
  kvCacheDtype?: KVCacheDType;
  /** Worker threads for backends that use them (webasm); passed to createBackend. */
  threads?: number;
  /**
   * Where webasm keeps compiled kernels between processes and page loads (Node: a directory; browsers: an
   * IndexedDB database name), or false for none; passed to createBackend (default in Node: env
   * GPT2JS_KERNEL_CACHE, else ~/.cache/gpt2js/kernels; in browsers: the database `gpt2js-kernels`).
   */
  kernelCache?: string | false;
  /** Download and load progress. */
  onProgress?: (p: LoadProgress) => void;
}

/** What the loader hands to the model classes. */
export interface LoadedCheckpoint {
  readonly config: GPT2Config;
  readonly backend: Backend;
  readonly weights: GPT2Weights;
  /** True when the loader created the backend (the model then disposes it). */
  readonly ownsBackend: boolean;
  readonly kvCacheDtype: KVCacheDType;
}

const DTYPES: readonly WeightDType[] = ['f32', 'f16', 'int8'];
const BACKENDS = ['auto', 'webgpu', 'webgl2', 'webgl', 'headlessgl', 'webasm', 'cpu'];

function isBackend(x: unknown): x is Backend {
  return typeof x === 'object' && x !== null && typeof (x as Backend).weight === 'function';
}

/** Checks LoadOptions once, naming the option and the allowed values. */
export function validateLoadOptions(options: LoadOptions): void {
  if (options.dtype !== undefined && !DTYPES.includes(options.dtype)) {
    throw new GPT2Error(
      'invalid_option',
      `dtype must be one of ${DTYPES.join(', ')}, got ${JSON.stringify(options.dtype)}`,
    );
  }
  const kv = options.kvCacheDtype;
  if (kv !== undefined && kv !== 'f32' && kv !== 'f16') {
    throw new GPT2Error('invalid_option', `kvCacheDtype must be 'f32' or 'f16', got ${JSON.stringify(kv)}`);
  }
  const b = options.backend;
  if (b !== undefined && !isBackend(b) && !BACKENDS.includes(b as string)) {
    throw new GPT2Error(
      'invalid_option',
      `backend must be a Backend or one of ${BACKENDS.join(', ')}, got ${JSON.stringify(b)}`,
    );
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new GPT2Error('invalid_option', 'onProgress must be a function');
  }
}

/** The hub options inside LoadOptions, with download progress forwarded as `phase: 'download'`. */
export function hubOptionsOf(options: LoadOptions): HubOptions {
  const {
    backend: _b,
    dtype: _d,
    kvCacheDtype: _c,
    threads: _t,
    kernelCache: _k,
    onProgress,
    ...hub
  } = options;
  return onProgress === undefined
    ? hub
    : {
        ...hub,
        onProgress: (p) =>
          onProgress({
            phase: 'download',
            file: p.file,
            loaded: p.loaded,
            ...(p.total === undefined ? {} : { total: p.total }),
          }),
      };
}

const CONVERT_HINT =
  "convert it once with Python: `from transformers import GPT2LMHeadModel; GPT2LMHeadModel.from_pretrained(dir).save_pretrained(dir, safe_serialization=True)` (or the hub's 'Convert to Safetensors' space)";

async function openWeightFiles(
  source: ModelSource,
  hub: HubOptions,
  configFile: ModelFile,
): Promise<ModelFile[]> {
  const single = await tryOpenModelFile(source, 'model.safetensors', hub);
  if (single !== undefined) return [single];
  const index = await tryOpenModelFile(source, 'model.safetensors.index.json', hub);
  if (index !== undefined) {
    let map: unknown;
    try {
      map = ((await index.json()) as { weight_map?: unknown }).weight_map;
    } finally {
      await index.close();
    }
    if (typeof map !== 'object' || map === null) {
      throw new CheckpointError(
        'no_weights',
        `${source}/model.safetensors.index.json has no weight_map object`,
      );
    }
    const shards = [...new Set(Object.values(map as Record<string, unknown>))];
    if (shards.length === 0 || !shards.every((s): s is string => typeof s === 'string')) {
      throw new CheckpointError(
        'no_weights',
        `${source}/model.safetensors.index.json: weight_map must map names to shard files`,
      );
    }
    const files: ModelFile[] = [];
    try {
      for (const shard of shards) files.push(await openModelFile(source, shard, hub));
    } catch (e) {
      await Promise.all(files.map((f) => f.close()));
      throw e;
    }
    return files;
  }
  // Only a local directory is probed for the pickle file: on the hub that probe would download it.
  const local =
    configFile.path !== undefined &&
    !/^https?:/i.test(source) &&
    !/models--[^\\/]+[\\/]snapshots/.test(configFile.path);
  const pickle = local ? await tryOpenModelFile(source, 'pytorch_model.bin', hub) : undefined;
  if (pickle !== undefined) {
    await pickle.close();
    throw new CheckpointError(
      'unsupported_format',
      `${source} has only pytorch_model.bin; PyTorch pickle checkpoints are out of scope for gpt2js (unpickling can run arbitrary code). Save it as model.safetensors: ${CONVERT_HINT}`,
      { file: 'pytorch_model.bin' },
    );
  }
  throw new CheckpointError(
    'no_weights',
    `${source} has no model.safetensors (nor model.safetensors.index.json); gpt2js reads safetensors only. If it holds pytorch_model.bin, ${CONVERT_HINT}`,
  );
}

/** Bytes of f32 rows read per block when a weight streams into the backend. */
const ROWS_BYTES = 4 * 1024 * 1024;

/**
 * The planned tensors shard by shard, each shard's in the order of their bytes: a file read front to back
 * (in a browser every read of a cached file is a round trip to its blob storage, and the hub serves reads
 * after one from a window of it; on disk it helps the OS's read-ahead).
 */
function inFileOrder(tensors: StateDictPlan['tensors']): StateDictPlan['tensors'] {
  const shards = new Map<unknown, number>();
  for (const t of tensors) if (!shards.has(t.header)) shards.set(t.header, shards.size);
  return [...tensors].sort(
    (a, b) => shards.get(a.header)! - shards.get(b.header)! || a.info.byteOffset - b.info.byteOffset,
  );
}

/** Uploads every planned tensor, one at a time, in file order; on failure frees what was uploaded. */
async function upload(
  plan: StateDictPlan,
  backend: Backend,
  dtype: WeightDType,
  onProgress: LoadOptions['onProgress'],
): Promise<Map<string, Tensor | Weight>> {
  const made = new Map<string, Tensor | Weight>();
  let loaded = 0;
  onProgress?.({ phase: 'load', loaded, total: plan.totalBytes });
  // one buffer for every block read (backends consume a block before asking for the next)
  let scratch = new Uint8Array(ROWS_BYTES);
  try {
    for (const { spec, header, info } of inFileOrder(plan.tensors)) {
      const [rows, cols] = spec.shape as [number, number];
      if (spec.kind === 'conv1d' || spec.kind === 'embedding') {
        // weights stream into the backend block by block: the f32 matrix (wte: 154 MB) is never whole
        const layout = spec.kind === 'conv1d' ? 'in_out' : 'out_in';
        const rowsPerRead = Math.max(1, Math.floor(ROWS_BYTES / (cols * 4)));
        if (scratch.length < rowsPerRead * cols * 4) scratch = new Uint8Array(rowsPerRead * cols * 4);
        const read = (start: number, count: number) =>
          readTensorRowsAsF32(header, info, start, count, { scratch });
        made.set(spec.key, await backend.weightFromRows([rows, cols], read, { layout, dtype, rowsPerRead }));
      } else {
        made.set(spec.key, backend.tensor(await readTensorAsF32(header, info), spec.shape));
      }
      loaded += info.byteLength;
      onProgress?.({ phase: 'load', loaded, total: plan.totalBytes });
    }
  } catch (e) {
    for (const x of made.values()) x.dispose();
    throw e;
  }
  return made;
}

function assemble(made: Map<string, Tensor | Weight>, config: GPT2Config): GPT2Weights {
  const t = (key: string) => made.get(key) as Tensor;
  const w = (key: string) => made.get(key) as Weight;
  const ln = (p: string): LayerNormWeights => ({ weight: t(`${p}.weight`), bias: t(`${p}.bias`) });
  const conv = (p: string): Conv1DWeights => ({ weight: w(`${p}.weight`), bias: t(`${p}.bias`) });
  const h: BlockWeights[] = Array.from({ length: config.n_layer }, (_, i) => ({
    ln_1: ln(`h.${i}.ln_1`),
    attn: { c_attn: conv(`h.${i}.attn.c_attn`), c_proj: conv(`h.${i}.attn.c_proj`) },
    ln_2: ln(`h.${i}.ln_2`),
    mlp: { c_fc: conv(`h.${i}.mlp.c_fc`), c_proj: conv(`h.${i}.mlp.c_proj`) },
  }));
  const lmHead = made.get('lm_head.weight') as Weight | undefined;
  return {
    wte: w('wte.weight'),
    wpe: t('wpe.weight'),
    h,
    ln_f: ln('ln_f'),
    ...(lmHead === undefined ? {} : { lm_head: lmHead }),
  };
}

/**
 * Loads config and weights from a local directory, an http(s) base URL or a hub repo id.
 * @throws ConfigError, SafetensorsError, CheckpointError, HubError (from @gpt2js/hub), TensorError
 */
export async function loadPretrained(
  source: ModelSource,
  options: LoadOptions = {},
): Promise<LoadedCheckpoint> {
  validateLoadOptions(options);
  const hub = hubOptionsOf(options);
  const configFile = await openModelFile(source, 'config.json', hub);
  let config: GPT2Config;
  let files: ModelFile[];
  try {
    let json: unknown;
    try {
      json = JSON.parse(await configFile.text());
    } catch (e) {
      throw new GPT2Error(
        'invalid_config',
        `${source}/config.json is not valid JSON: ${(e as Error).message}`,
      );
    }
    config = GPT2Config.fromJSON(json, `${source}/config.json`);
    files = await openWeightFiles(source, hub, configFile);
  } finally {
    await configFile.close();
  }
  const ownsBackend = !isBackend(options.backend);
  let backend: Backend | undefined;
  try {
    const headers: SafetensorsHeader[] = [];
    for (const file of files) headers.push(await readSafetensorsHeader(file));
    const plan = planStateDict(config, headers); // every shape checked before any tensor data is read
    backend = isBackend(options.backend)
      ? options.backend
      : await createBackend({
          backend: options.backend ?? 'auto',
          ...(options.threads === undefined ? {} : { threads: options.threads }),
          ...(options.kernelCache === undefined ? {} : { kernelCache: options.kernelCache }),
        });
    const made = await upload(plan, backend, options.dtype ?? 'f32', options.onProgress);
    return {
      config,
      backend,
      weights: assemble(made, config),
      ownsBackend,
      kvCacheDtype: options.kvCacheDtype ?? 'f32',
    };
  } catch (e) {
    if (ownsBackend) backend?.dispose();
    throw e;
  } finally {
    await Promise.all(files.map((f) => f.close()));
  }
}
