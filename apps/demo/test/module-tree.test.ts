// Parsing `print(model)` for the page's collapsible tree, on Hugging Face's own print of GPT-2.
import { describe, expect, it } from 'vitest';
import { countNodes, parseModuleTree } from '../src/module-tree.js';

// print(GPT2LMHeadModel.from_pretrained('gpt2')) with transformers 4.4x.
const HF_GPT2 = `GPT2LMHeadModel(
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

describe('parseModuleTree', () => {
  it('rebuilds the nesting of HF GPT-2', () => {
    const root = parseModuleTree(HF_GPT2);
    expect(root.description).toBe('GPT2LMHeadModel');
    expect(root.children.map((c) => c.name)).toEqual(['transformer', 'lm_head']);
    const transformer = root.children[0];
    expect(transformer.children.map((c) => c.name)).toEqual(['wte', 'wpe', 'drop', 'h', 'ln_f']);
    expect(transformer.children[0].description).toBe('Embedding(50257, 768)');
    const block = transformer.children[3].children[0];
    expect(block.name).toBe('0-11');
    expect(block.description).toBe('12 x GPT2Block');
    expect(block.children.map((c) => c.name)).toEqual(['ln_1', 'attn', 'ln_2', 'mlp']);
    expect(block.children[1].children[0].description).toBe('Conv1D(nf=2304, nx=768)');
    expect(root.children[1].description).toBe('Linear(in_features=768, out_features=50257, bias=False)');
    // every line but the 7 closing parentheses is a node
    expect(countNodes(root)).toBe(HF_GPT2.split('\n').filter((l) => l.trim() !== ')').length);
  });
});
