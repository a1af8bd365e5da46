// Hugging Face tensor names → model slots, checked against the config before any tensor data is read.
// The quirks, in one place:
// - names may carry the `transformer.` prefix (GPT2LMHeadModel checkpoints) or not (openai-community/gpt2);
// - `h.{i}.attn.bias` / `h.{i}.attn.masked_bias` are causal-mask buffers older checkpoints saved: ignored;
// - `lm_head.weight` is tied to `wte` (tie_word_embeddings, HF's default): absent, or present and equal to it;
// - Conv1D stores [in, out] and our matmul computes x·W with layout 'in_out', so nothing is transposed;
//   `wte` is [vocab, n_embd] = [out, in] for the head, layout 'out_in'.

import type { GPT2Config } from '../config.js';
import { CheckpointError } from '../errors.js';
import type { SafetensorsHeader, TensorInfo } from './safetensors.js';

/** How a parameter is stored on the backend. */
export type ParamKind = 'conv1d' | 'embedding' | 'vector' | 'positions';

/** One parameter the model expects: its HF name without prefix, shape, and the config fields behind it. */
export interface ParamSpec {
  readonly key: string;
  readonly shape: readonly number[];
  readonly kind: ParamKind;
  /** Why this shape, e.g. `n_embd=768: Conv1D [n_embd, 3·n_embd]`. */
  readonly because: string;
}

/** Every parameter of the model, in module order (wte, wpe, h.0 …, ln_f, [lm_head]). */
export function parameterSpecs(config: GPT2Config): ParamSpec[] {
  const C = config.n_embd;
  const V = config.vocab_size;
  const I = config.innerDim;
  const inner = config.n_inner === null ? `4·n_embd=${I}` : `n_inner=${I}`;
  const specs: ParamSpec[] = [
    { key: 'wte.weight', shape: [V, C], kind: 'embedding', because: `vocab_size=${V}, n_embd=${C}` },
    {
      key: 'wpe.weight',
      shape: [config.n_positions, C],
      kind: 'positions',
      because: `n_positions=${config.n_positions}, n_embd=${C}`,
    },
  ];
  const vector = (key: string, n: number, because: string) =>
    specs.push({ key, shape: [n], kind: 'vector', because });
  const conv = (key: string, nx: number, nf: number, because: string) => {
    specs.push({
      key: `${key}.weight`,
      shape: [nx, nf],
      kind: 'conv1d',
      because: `${because}: Conv1D [in, out]`,
    });
    vector(`${key}.bias`, nf, because);
  };
  for (let i = 0; i < config.n_layer; i++) {
    const p = `h.${i}`;
    vector(`${p}.ln_1.weight`, C, `n_embd=${C}`);
    vector(`${p}.ln_1.bias`, C, `n_embd=${C}`);
    conv(`${p}.attn.c_attn`, C, 3 * C, `n_embd=${C}, out 3·n_embd`);
    conv(`${p}.attn.c_proj`, C, C, `n_embd=${C}`);
    vector(`${p}.ln_2.weight`, C, `n_embd=${C}`);
    vector(`${p}.ln_2.bias`, C, `n_embd=${C}`);
    conv(`${p}.mlp.c_fc`, C, I, `n_embd=${C}, ${inner}`);
    conv(`${p}.mlp.c_proj`, I, C, `${inner}, n_embd=${C}`);
  }
  vector('ln_f.weight', C, `n_embd=${C}`);
  vector('ln_f.bias', C, `n_embd=${C}`);
  if (!config.tie_word_embeddings) {
    specs.push({
      key: 'lm_head.weight',
      shape: [V, C],
      kind: 'embedding',
      because: `vocab_size=${V}, n_embd=${C}, tie_word_embeddings=false`,
    });
  }
  return specs;
}

/** A parameter found in a file. */
export interface PlannedTensor {
  readonly spec: ParamSpec;
  readonly header: SafetensorsHeader;
  readonly info: TensorInfo;
}

/** What the loader will read, checked: every expected tensor found once with the right shape and dtype. */
export interface StateDictPlan {
  readonly tensors: readonly PlannedTensor[];
  /** The head is `wte` (no separate lm_head upload). */
  readonly tiedHead: boolean;
  /** File names of the buffers skipped (`attn.bias`, `attn.masked_bias`). */
  readonly ignored: readonly string[];
  /** Bytes of tensor data to read. */
  readonly totalBytes: number;
}

const IGNORED = /^h\.\d+\.attn\.(bias|masked_bias)$/;
const LOADABLE_DTYPES = new Set(['F32', 'F16', 'BF16']);
const LIST_MAX = 5;

const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;
const list = (names: string[]) =>
  names.slice(0, LIST_MAX).join(', ') +
  (names.length > LIST_MAX ? ` (and ${names.length - LIST_MAX} more)` : '');

/**
 * Maps the tensors of one or more safetensors files (shards) onto the model's parameters and checks them.
 * @throws {CheckpointError} missing_tensor / unexpected_tensor / shape_mismatch / unsupported_dtype, naming the
 * file, the tensor, expected and actual shape, and the config fields behind the expectation
 */
export function planStateDict(config: GPT2Config, headers: readonly SafetensorsHeader[]): StateDictPlan {
  const specs = parameterSpecs(config);
  const byKey = new Map(specs.map((s) => [s.key, s]));
  const found = new Map<string, { header: SafetensorsHeader; info: TensorInfo }>();
  const ignored: string[] = [];
  const unexpected: string[] = [];
  let headInFile: { header: SafetensorsHeader; info: TensorInfo } | undefined;
  for (const header of headers) {
    for (const info of header.tensors.values()) {
      const key = info.name.startsWith('transformer.') ? info.name.slice('transformer.'.length) : info.name;
      if (IGNORED.test(key)) {
        ignored.push(info.name);
        continue;
      }
      if (key === 'lm_head.weight' && config.tie_word_embeddings) {
        headInFile = { header, info };
        continue;
      }
      if (!byKey.has(key)) {
        unexpected.push(`${info.name} ${fmt(info.shape)} in ${header.file.name}`);
        continue;
      }
      const previous = found.get(key);
      if (previous !== undefined) {
        throw new CheckpointError(
          'unexpected_tensor',
          `${header.file.name}: tensor ${info.name} is a second copy of ${previous.info.name} (in ${previous.header.file.name}); a checkpoint holds each parameter once`,
          { file: header.file.name, tensor: info.name },
        );
      }
      found.set(key, { header, info });
    }
  }
  const fileNames = headers.map((h) => h.file.name).join(', ');
  if (unexpected.length > 0) {
    throw new CheckpointError(
      'unexpected_tensor',
      `${fileNames}: unexpected tensor${unexpected.length > 1 ? 's' : ''} ${list(unexpected)} for config n_layer=${config.n_layer}; the checkpoint does not match config.json (or is not a GPT-2 checkpoint)`,
      { file: headers[0]?.file.name, tensor: unexpected[0]?.split(' ')[0] },
    );
  }
  const missing = specs.filter((s) => !found.has(s.key));
  if (missing.length > 0) {
    const hint = missing.some((s) => s.key === 'lm_head.weight')
      ? '; config.json sets tie_word_embeddings=false, so lm_head.weight must be in the file'
      : '; the checkpoint does not match config.json';
    throw new CheckpointError(
      'missing_tensor',
      `${fileNames}: missing tensor${missing.length > 1 ? 's' : ''} ${list(missing.map((s) => `${s.key} ${fmt(s.shape)}`))}${hint}`,
      { file: headers[0]?.file.name, tensor: missing[0]!.key },
    );
  }
  const tensors: PlannedTensor[] = [];
  let totalBytes = 0;
  const check = (spec: ParamSpec, header: SafetensorsHeader, info: TensorInfo) => {
    if (fmt(info.shape) !== fmt(spec.shape)) {
      throw new CheckpointError(
        'shape_mismatch',
        `${header.file.name}: tensor ${info.name} has shape ${fmt(info.shape)}, expected ${fmt(spec.shape)} (${spec.because})`,
        { file: header.file.name, tensor: info.name },
      );
    }
    if (!LOADABLE_DTYPES.has(info.dtype)) {
      throw new CheckpointError(
        'unsupported_dtype',
        `${header.file.name}: tensor ${info.name} is ${info.dtype}; gpt2js loads F32, F16 and BF16 weights`,
        { file: header.file.name, tensor: info.name },
      );
    }
  };
  for (const spec of specs) {
    const { header, info } = found.get(spec.key)!;
    check(spec, header, info);
    tensors.push({ spec, header, info });
    totalBytes += info.byteLength;
  }
  if (headInFile !== undefined) {
    check({ ...byKey.get('wte.weight')!, key: 'lm_head.weight' }, headInFile.header, headInFile.info);
  }
  return { tensors, tiedHead: config.tie_word_embeddings, ignored, totalBytes };
}
