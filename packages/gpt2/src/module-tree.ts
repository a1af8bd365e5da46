// `print(model)` in PyTorch's format, exactly as transformers shows GPT2Model / GPT2LMHeadModel (including
// ModuleList's "(0-11): 12 x GPT2Block(" grouping and Conv1D's "Conv1D(nf=…, nx=…)"), plus a parameter summary.

import type { GPT2Config } from './config.js';
import { pyFloat } from './python-json.js';

/** One nn.Module: its class name, `extra_repr()`, own parameter count and sub-modules. */
export interface ModuleNode {
  readonly type: string;
  readonly extra?: string;
  /** Parameters held by this module itself (not its children); 0 for tied or parameter-free modules. */
  readonly params: number;
  readonly children?: readonly (readonly [string, ModuleNode])[];
  /** For nn.ModuleList: the items, in order. */
  readonly items?: readonly ModuleNode[];
  /** Shown in the summary, e.g. "tied to transformer.wte". */
  readonly note?: string;
}

const leaf = (type: string, extra: string, params: number, note?: string): ModuleNode => ({
  type,
  extra,
  params,
  ...(note === undefined ? {} : { note }),
});
const dropout = (p: number) => leaf('Dropout', `p=${pyFloat(p)}, inplace=False`, 0);
const layerNorm = (c: number, eps: number) =>
  leaf('LayerNorm', `(${c},), eps=${pyFloat(eps)}, elementwise_affine=True`, 2 * c);
// HF's Conv1D.__repr__ is "Conv1D(nf={nf}, nx={nx})": nf outputs, nx inputs.
const conv1d = (nf: number, nx: number): ModuleNode => ({
  type: `Conv1D(nf=${nf}, nx=${nx})`,
  params: nx * nf + nf,
});
const ACTIVATION_CLASS: Record<string, string> = { gelu_new: 'NewGELUActivation' };

/** The module tree of HF's GPT2Model for a config. */
export function gpt2ModelTree(config: GPT2Config): ModuleNode {
  const C = config.n_embd;
  const block: ModuleNode = {
    type: 'GPT2Block',
    params: 0,
    children: [
      ['ln_1', layerNorm(C, config.layer_norm_epsilon)],
      [
        'attn',
        {
          type: 'GPT2Attention',
          params: 0,
          children: [
            ['c_attn', conv1d(3 * C, C)],
            ['c_proj', conv1d(C, C)],
            ['attn_dropout', dropout(config.attn_pdrop)],
            ['resid_dropout', dropout(config.resid_pdrop)],
          ],
        },
      ],
      ['ln_2', layerNorm(C, config.layer_norm_epsilon)],
      [
        'mlp',
        {
          type: 'GPT2MLP',
          params: 0,
          children: [
            ['c_fc', conv1d(config.innerDim, C)],
            ['c_proj', conv1d(C, config.innerDim)],
            ['act', leaf(ACTIVATION_CLASS[config.activation_function] ?? config.activation_function, '', 0)],
            ['dropout', dropout(config.resid_pdrop)],
          ],
        },
      ],
    ],
  };
  return {
    type: 'GPT2Model',
    params: 0,
    children: [
      ['wte', leaf('Embedding', `${config.vocab_size}, ${C}`, config.vocab_size * C)],
      ['wpe', leaf('Embedding', `${config.n_positions}, ${C}`, config.n_positions * C)],
      ['drop', dropout(config.embd_pdrop)],
      ['h', { type: 'ModuleList', params: 0, items: Array.from({ length: config.n_layer }, () => block) }],
      ['ln_f', layerNorm(C, config.layer_norm_epsilon)],
    ],
  };
}

/** The module tree of HF's GPT2LMHeadModel: `transformer` + `lm_head` (tied: no parameters of its own). */
export function lmHeadModelTree(config: GPT2Config): ModuleNode {
  const tied = config.tie_word_embeddings;
  return {
    type: 'GPT2LMHeadModel',
    params: 0,
    children: [
      ['transformer', gpt2ModelTree(config)],
      [
        'lm_head',
        leaf(
          'Linear',
          `in_features=${config.n_embd}, out_features=${config.vocab_size}, bias=False`,
          tied ? 0 : config.vocab_size * config.n_embd,
          tied ? 'tied to transformer.wte' : undefined,
        ),
      ],
    ],
  };
}

// torch.nn.modules.module._addindent: indent every line but the first.
const addIndent = (s: string, n: number) => s.split('\n').join(`\n${' '.repeat(n)}`);

/** nn.Module.__repr__ (and ModuleList's grouping of identical consecutive items). */
export function renderModule(node: ModuleNode): string {
  if (node.items !== undefined) {
    if (node.items.length === 0) return `${node.type}()`;
    const reprs = node.items.map(renderModule);
    const lines: string[] = [];
    let start = 0;
    for (let i = 1; i <= reprs.length; i++) {
      if (i < reprs.length && reprs[i] === reprs[start]) continue;
      const end = i - 1;
      const head = start === end ? `(${start}): ` : `(${start}-${end}): ${end - start + 1} x `;
      lines.push(addIndent(head + reprs[start]!, 2));
      start = i;
    }
    return `${node.type}(\n  ${lines.join('\n  ')}\n)`;
  }
  const extraLines = node.extra ? node.extra.split('\n') : [];
  const childLines = (node.children ?? []).map(
    ([key, child]) => `(${key}): ${addIndent(renderModule(child), 2)}`,
  );
  // Conv1D overrides __repr__ entirely, so its "type" already carries its arguments.
  if (node.extra === undefined && childLines.length === 0 && node.type.includes('(')) return node.type;
  const lines = [...extraLines, ...childLines];
  if (lines.length === 0) return `${node.type}()`;
  if (extraLines.length === 1 && childLines.length === 0) return `${node.type}(${extraLines[0]})`;
  return `${node.type}(\n  ${lines.join('\n  ')}\n)`;
}

/** Unique parameters in a tree (tied modules count 0). */
export function countParameters(node: ModuleNode): number {
  let n = node.params;
  for (const [, child] of node.children ?? []) n += countParameters(child);
  for (const item of node.items ?? []) n += countParameters(item);
  return n;
}

const num = (n: number) => n.toLocaleString('en-US');

/**
 * A table of parameter counts per module and the total. Identical blocks are shown once with the count of
 * each and of the group.
 */
export function renderSummary(node: ModuleNode): string {
  const rows: [string, string, string][] = [];
  const walk = (n: ModuleNode, path: string, indent: string) => {
    if (n.items !== undefined) {
      const each = n.items.length > 0 ? countParameters(n.items[0]!) : 0;
      const label = `${path}.0-${n.items.length - 1} (${n.items.length} x ${n.items[0]?.type ?? ''})`;
      rows.push([indent + label, num(countParameters(n)), `${num(each)} each`]);
      if (n.items.length > 0) walk(n.items[0]!, '', `${indent}  `);
      return;
    }
    const children = n.children ?? [];
    if (children.length === 0) {
      if (n.params > 0 || n.note !== undefined) {
        const repr = n.note ?? renderModule(n);
        rows.push([indent + path, num(n.params), repr]);
      }
      return;
    }
    for (const [key, child] of children) walk(child, path === '' ? key : `${path}.${key}`, indent);
  };
  walk(node, '', '');
  const total = countParameters(node);
  rows.push(['Total', num(total), '']);
  const w0 = Math.max(6, ...rows.map((r) => r[0].length));
  const w1 = Math.max(10, ...rows.map((r) => r[1].length));
  const line = (r: [string, string, string]) => `${r[0].padEnd(w0)}  ${r[1].padStart(w1)}  ${r[2]}`.trimEnd();
  return [
    `${node.type}: ${num(total)} parameters`,
    line(['Module', 'Parameters', 'Type']),
    ...rows.map(line),
  ].join('\n');
}
