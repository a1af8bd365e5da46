// print(model) in PyTorch's format, against the text transformers prints for openai-community/gpt2.
import { describe, expect, it } from 'vitest';
import { GPT2Config } from '../src/config.js';
import {
  countParameters,
  gpt2ModelTree,
  lmHeadModelTree,
  renderModule,
  renderSummary,
} from '../src/module-tree.js';

// `print(GPT2LMHeadModel.from_pretrained('gpt2'))` in transformers 4.x (Conv1D with its __repr__).
const GPT2_LM_HEAD = `GPT2LMHeadModel(
  (transformer): GPT2Model(
    (wte): Embedding(50257, 768)
    (wpe): Embedding(1024, 768)
    (drop): Dropout(p=0.1, inplace=False)
    (h): ModuleList(
      (0-11): 12 x GPT2Block(
        (ln_1): LayerNorm((768,), eps=1e-05, elementwise_affine=True)
        (attn): GPT2Attention(
          (c_attn): Conv1D(nf=2304, nx=768)
          (c_proj): Conv1D(nf=768, nx=768)
          (attn_dropout): Dropout(p=0.1, inplace=False)
          (resid_dropout): Dropout(p=0.1, inplace=False)
        )
        (ln_2): LayerNorm((768,), eps=1e-05, elementwise_affine=True)
        (mlp): GPT2MLP(
          (c_fc): Conv1D(nf=3072, nx=768)
          (c_proj): Conv1D(nf=768, nx=3072)
          (act): NewGELUActivation()
          (dropout): Dropout(p=0.1, inplace=False)
        )
      )
    )
    (ln_f): LayerNorm((768,), eps=1e-05, elementwise_affine=True)
  )
  (lm_head): Linear(in_features=768, out_features=50257, bias=False)
)`;

// `print(GPT2Model.from_pretrained('gpt2'))` in transformers 4.x.
const GPT2_MODEL = `GPT2Model(
  (wte): Embedding(50257, 768)
  (wpe): Embedding(1024, 768)
  (drop): Dropout(p=0.1, inplace=False)
  (h): ModuleList(
    (0-11): 12 x GPT2Block(
      (ln_1): LayerNorm((768,), eps=1e-05, elementwise_affine=True)
      (attn): GPT2Attention(
        (c_attn): Conv1D(nf=2304, nx=768)
        (c_proj): Conv1D(nf=768, nx=768)
        (attn_dropout): Dropout(p=0.1, inplace=False)
        (resid_dropout): Dropout(p=0.1, inplace=False)
      )
      (ln_2): LayerNorm((768,), eps=1e-05, elementwise_affine=True)
      (mlp): GPT2MLP(
        (c_fc): Conv1D(nf=3072, nx=768)
        (c_proj): Conv1D(nf=768, nx=3072)
        (act): NewGELUActivation()
        (dropout): Dropout(p=0.1, inplace=False)
      )
    )
  )
  (ln_f): LayerNorm((768,), eps=1e-05, elementwise_affine=True)
)`;

describe('module tree', () => {
  it('GPT2LMHeadModel for the gpt2 preset prints exactly as transformers does', () => {
    expect(renderModule(lmHeadModelTree(GPT2Config.preset('gpt2')))).toBe(GPT2_LM_HEAD);
  });

  it('GPT2Model for the gpt2 preset prints exactly as transformers does', () => {
    expect(renderModule(gpt2ModelTree(GPT2Config.preset('gpt2')))).toBe(GPT2_MODEL);
  });

  it('a single block prints as (0): without the repeat count, like torch ModuleList', () => {
    const text = renderModule(gpt2ModelTree(new GPT2Config({ n_layer: 1, n_inner: 80, resid_pdrop: 0 })));
    expect(text).toContain('(h): ModuleList(\n    (0): GPT2Block(\n');
    expect(text).toContain('(c_fc): Conv1D(nf=80, nx=768)');
    expect(text).toContain('(resid_dropout): Dropout(p=0.0, inplace=False)');
  });

  it('counts 124,439,808 parameters for gpt2 and 7,259,008 for the gpt2-tiny shape', () => {
    expect(countParameters(lmHeadModelTree(GPT2Config.preset('gpt2')))).toBe(124_439_808);
    const tiny = new GPT2Config({ n_layer: 4, n_head: 4, n_embd: 128, n_positions: 256 });
    expect(countParameters(lmHeadModelTree(tiny))).toBe(7_259_008);
    expect(countParameters(gpt2ModelTree(tiny))).toBe(7_259_008);
  });

  it('an untied head adds vocab × n_embd parameters', () => {
    const config = new GPT2Config({ tie_word_embeddings: false });
    expect(countParameters(lmHeadModelTree(config))).toBe(124_439_808 + 50257 * 768);
  });

  it('summarises per-module counts and the total', () => {
    const text = renderSummary(lmHeadModelTree(GPT2Config.preset('gpt2')));
    const lines = text.split('\n');
    expect(lines[0]).toBe('GPT2LMHeadModel: 124,439,808 parameters');
    const row = (name: string) =>
      lines
        .find((l) => l.trimStart().startsWith(`${name} `))
        ?.trim()
        .split(/\s{2,}/);
    expect(row('transformer.wte')?.slice(0, 2)).toEqual(['transformer.wte', '38,597,376']);
    expect(row('transformer.wpe')?.slice(0, 2)).toEqual(['transformer.wpe', '786,432']);
    expect(row('transformer.h.0-11 (12 x GPT2Block)')?.slice(1)).toEqual(['85,054,464', '7,087,872 each']);
    expect(row('attn.c_attn')?.slice(1)).toEqual(['1,771,776', 'Conv1D(nf=2304, nx=768)']);
    expect(row('mlp.c_proj')?.slice(1)).toEqual(['2,360,064', 'Conv1D(nf=768, nx=3072)']);
    expect(row('lm_head')?.slice(1)).toEqual(['0', 'tied to transformer.wte']);
    expect(row('Total')?.slice(1)).toEqual(['124,439,808']);
  });
});
