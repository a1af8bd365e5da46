"""Exports a GPT-2 safetensors folder to the ONNX files transformers.js loads for model_type gpt2.

Run with Debian's Python (apt-get install python3-torch python3-onnx; transformers is not needed):
    /usr/bin/python3 export-onnx.py <model-dir>

Writes, next to the weights:
  onnx/model.onnx            fp32 decoder with past key/values (dtype 'fp32' in transformers.js)
  onnx/model_quantized.onnx  8-bit weights (dtype 'q8'): every MatMul whose B input is a constant becomes
                             DynamicQuantizeLinear(x) -> MatMulInteger(x_q, W_q int8) -> Cast -> Mul(x_scale*W_scale),
                             per-tensor symmetric weight scale, as onnxruntime's quantize_dynamic does it for
                             transformers.js's own conversion (weight_type QInt8, per_channel False).
  onnx/reference.json + reference.logits.bin  torch logits for a fixed prefill and one cached step, which
                             verify-onnx.mjs compares against onnxruntime (this script runs it at the end and
                             writes onnx/.complete only when the fp32 export agrees within 1e-3).

Graph interface (the layout of Optimum's `text-generation-with-past` export that transformers.js feeds):
  inputs   input_ids [batch_size, sequence_length] int64, attention_mask [batch_size, past_sequence_length + sequence_length]
           int64, position_ids [batch_size, sequence_length] int64,
           past_key_values.{i}.key / .value [batch_size, n_head, past_sequence_length, head_dim] float32
  outputs  logits [batch_size, sequence_length, vocab], present.{i}.key / .value [batch_size, n_head, total_length, head_dim]
transformers.js builds the empty first-step cache from the input metadata: the dims named `batch_size` get the batch,
every other symbolic dim becomes 0, so the names here matter.
"""

import json
import math
import os
import subprocess
import sys
import time

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

torch.set_grad_enabled(False)


# --- safetensors (F32 only; the benchmark writes nothing else) -----------------------------------------------------
def load_safetensors(path):
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        base = 8 + n
        out = {}
        raw = np.memmap(path, dtype=np.uint8, mode="r")
        for name, info in header.items():
            if name == "__metadata__":
                continue
            if info["dtype"] != "F32":
                raise SystemExit(f"{path}: tensor {name} has dtype {info['dtype']}, expected F32")
            a, b = info["data_offsets"]
            arr = np.frombuffer(raw[base + a : base + b], dtype=np.float32).reshape(info["shape"])
            out[name.removeprefix("transformer.")] = torch.from_numpy(arr.copy())
    return out


# --- a minimal GPT-2 equal to Hugging Face's GPT2LMHeadModel (eval mode, tied head) --------------------------------
class Conv1D(nn.Module):  # HF Conv1D: weight [in, out], y = x·W + b
    def __init__(self, w, b):
        super().__init__()
        self.weight, self.bias = nn.Parameter(w), nn.Parameter(b)

    def forward(self, x):
        return torch.matmul(x, self.weight) + self.bias


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def layer_norm(sd, name, C, eps):
    ln = nn.LayerNorm(C, eps=eps)
    ln.weight, ln.bias = nn.Parameter(sd[f"{name}.weight"]), nn.Parameter(sd[f"{name}.bias"])
    return ln


class Block(nn.Module):
    def __init__(self, sd, i, cfg):
        super().__init__()
        C, eps, p = cfg["n_embd"], cfg["layer_norm_epsilon"], f"h.{i}"
        self.n_head, self.head_dim = cfg["n_head"], C // cfg["n_head"]
        self.ln_1, self.ln_2 = layer_norm(sd, f"{p}.ln_1", C, eps), layer_norm(sd, f"{p}.ln_2", C, eps)
        self.c_attn = Conv1D(sd[f"{p}.attn.c_attn.weight"], sd[f"{p}.attn.c_attn.bias"])
        self.attn_proj = Conv1D(sd[f"{p}.attn.c_proj.weight"], sd[f"{p}.attn.c_proj.bias"])
        self.c_fc = Conv1D(sd[f"{p}.mlp.c_fc.weight"], sd[f"{p}.mlp.c_fc.bias"])
        self.mlp_proj = Conv1D(sd[f"{p}.mlp.c_proj.weight"], sd[f"{p}.mlp.c_proj.bias"])

    def heads(self, x):  # [B, T, C] -> [B, H, T, D]
        B, T = x.shape[0], x.shape[1]
        return x.view(B, T, self.n_head, self.head_dim).transpose(1, 2)

    def forward(self, x, causal, pad, past_k, past_v):
        B, T = x.shape[0], x.shape[1]
        q, k, v = self.c_attn(self.ln_1(x)).split(x.shape[-1], dim=2)
        k = torch.cat([past_k, self.heads(k)], dim=2)  # [B, H, P+T, D]
        v = torch.cat([past_v, self.heads(v)], dim=2)
        w = torch.matmul(self.heads(q), k.transpose(-1, -2)) / math.sqrt(self.head_dim)  # [B, H, T, P+T]
        w = torch.where(causal, w, torch.tensor(torch.finfo(w.dtype).min, dtype=w.dtype)) + pad
        a = torch.matmul(torch.softmax(w, dim=-1), v).transpose(1, 2).reshape(B, T, -1)
        x = x + self.attn_proj(a)
        x = x + self.mlp_proj(gelu_new(self.c_fc(self.ln_2(x))))
        return x, k, v


class GPT2(nn.Module):
    def __init__(self, sd, cfg):
        super().__init__()
        self.wte, self.wpe = nn.Parameter(sd["wte.weight"]), nn.Parameter(sd["wpe.weight"])
        self.h = nn.ModuleList(Block(sd, i, cfg) for i in range(cfg["n_layer"]))
        self.ln_f = layer_norm(sd, "ln_f", cfg["n_embd"], cfg["layer_norm_epsilon"])
        n = cfg["n_positions"]
        self.register_buffer("bias", torch.tril(torch.ones(n, n, dtype=torch.bool)).view(1, 1, n, n), persistent=False)

    def forward(self, input_ids, attention_mask, position_ids, *past):
        T, L = input_ids.shape[1], attention_mask.shape[1]  # L = past + T
        x = self.wte[input_ids] + self.wpe[position_ids]
        causal = self.bias[:, :, L - T : L, :L]
        pad = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        presents = []
        for i, block in enumerate(self.h):
            x, k, v = block(x, causal, pad, past[2 * i], past[2 * i + 1])
            presents += [k, v]
        logits = torch.matmul(self.ln_f(x), self.wte.transpose(0, 1))
        return (logits, *presents)


# --- export ---------------------------------------------------------------------------------------------------------
def export_fp32(model, cfg, path):
    L, H, D = cfg["n_layer"], cfg["n_head"], cfg["n_embd"] // cfg["n_head"]
    B, P, T = 1, 3, 2
    ids = torch.tensor([[5, 7]], dtype=torch.int64)
    mask = torch.ones(B, P + T, dtype=torch.int64)
    pos = torch.arange(P, P + T, dtype=torch.int64)[None]
    past = [torch.zeros(B, H, P, D) for _ in range(2 * L)]
    past_names = [f"past_key_values.{i}.{kv}" for i in range(L) for kv in ("key", "value")]
    present_names = [f"present.{i}.{kv}" for i in range(L) for kv in ("key", "value")]
    axes = {
        "input_ids": {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: "past_sequence_length + sequence_length"},
        "position_ids": {0: "batch_size", 1: "sequence_length"},
        "logits": {0: "batch_size", 1: "sequence_length"},
    }
    axes.update({n: {0: "batch_size", 2: "past_sequence_length"} for n in past_names})
    axes.update({n: {0: "batch_size", 2: "past_sequence_length + sequence_length"} for n in present_names})
    torch.onnx.export(
        model,
        (ids, mask, pos, *past),
        path,
        input_names=["input_ids", "attention_mask", "position_ids", *past_names],
        output_names=["logits", *present_names],
        dynamic_axes=axes,
        opset_version=14,
        do_constant_folding=True,
    )


def quantize_gathers(g, nodes, inits, dropped):
    """Gather(E const, ids) -> Gather(E_q int8, ids) -> DequantizeLinear: onnxruntime's GatherQuant for wte/wpe."""
    out = []
    for node in nodes:
        e = inits.get(node.input[0]) if node.op_type == "Gather" else None
        if e is None or len(e.dims) != 2:
            out.append(node)
            continue
        E = numpy_helper.to_array(e).astype(np.float32)
        scale = np.float32(max(float(np.abs(E).max()), 1e-12) / 127.0)
        g.initializer.extend(
            [
                numpy_helper.from_array(np.clip(np.rint(E / scale), -127, 127).astype(np.int8), f"{e.name}_quantized"),
                numpy_helper.from_array(np.array(scale, dtype=np.float32), f"{e.name}_scale"),
                numpy_helper.from_array(np.array(0, dtype=np.int8), f"{e.name}_zero_point"),
            ]
        )
        dropped.add(e.name)
        q_out = f"{node.output[0]}_quantized"
        out += [
            helper.make_node("Gather", [f"{e.name}_quantized", node.input[1]], [q_out], name=f"{node.name}_quant",
                             axis=next((a.i for a in node.attribute if a.name == "axis"), 0)),
            helper.make_node("DequantizeLinear", [q_out, f"{e.name}_scale", f"{e.name}_zero_point"], [node.output[0]],
                             name=f"{node.name}_dequant"),
        ]
    return out


def quantize_matmuls(src, dst):
    """MatMul(x, W const) -> DynamicQuantizeLinear / MatMulInteger / Cast / Mul, int8 symmetric per-tensor W;
    constant Gathers (wte, wpe) read int8 rows and dequantise them (the ops onnxruntime's IntegerOpsRegistry
    quantises for transformers.js's q8; the graph has no Conv, so the weights are QInt8 as there)."""
    m = onnx.load(src)
    g = m.graph
    inits = {t.name: t for t in g.initializer}
    nodes, dropped, count = [], set(), 0
    for node in g.node:
        w = inits.get(node.input[1]) if node.op_type == "MatMul" else None
        if w is None or len(w.dims) != 2:
            nodes.append(node)
            continue
        W = numpy_helper.to_array(w).astype(np.float32)
        scale = np.float32(max(float(np.abs(W).max()), 1e-12) / 127.0)
        Wq = np.clip(np.rint(W / scale), -127, 127).astype(np.int8)
        base = f"{node.name or node.output[0]}_q{count}"
        count += 1
        x = node.input[0]
        g.initializer.extend(
            [
                numpy_helper.from_array(Wq, f"{w.name}_quantized"),
                numpy_helper.from_array(np.array(scale, dtype=np.float32), f"{w.name}_scale"),
                numpy_helper.from_array(np.array(0, dtype=np.int8), f"{w.name}_zero_point"),
            ]
        )
        dropped.add(w.name)
        nodes += [
            helper.make_node("DynamicQuantizeLinear", [x], [f"{x}_quantized_{base}", f"{x}_scale_{base}", f"{x}_zp_{base}"], name=f"{base}_dql"),
            helper.make_node("MatMulInteger", [f"{x}_quantized_{base}", f"{w.name}_quantized", f"{x}_zp_{base}", f"{w.name}_zero_point"], [f"{base}_int32"], name=f"{base}_mmi"),
            helper.make_node("Cast", [f"{base}_int32"], [f"{base}_cast"], to=TensorProto.FLOAT, name=f"{base}_cast"),
            helper.make_node("Mul", [f"{x}_scale_{base}", f"{w.name}_scale"], [f"{base}_scales"], name=f"{base}_scales"),
            helper.make_node("Mul", [f"{base}_cast", f"{base}_scales"], [node.output[0]], name=f"{base}_out"),
        ]
    nodes = quantize_gathers(g, nodes, inits, dropped)
    still_used = {i for n in nodes for i in n.input}
    keep = [t for t in g.initializer if t.name not in dropped or t.name in still_used]
    del g.initializer[:]
    g.initializer.extend(keep)
    del g.node[:]
    g.node.extend(nodes)
    onnx.save(m, dst)
    return count


def reference(model, cfg, out_dir):
    """Torch logits for a 6-token prefill, then one cached step: what verify-onnx.mjs compares against."""
    L, H, D = cfg["n_layer"], cfg["n_head"], cfg["n_embd"] // cfg["n_head"]
    prompt, nxt = [464, 2068, 7586, 21831, 18045, 625], 262
    empty = [torch.zeros(1, H, 0, D) for _ in range(2 * L)]
    out = model(torch.tensor([prompt]), torch.ones(1, 6, dtype=torch.int64), torch.arange(6)[None], *empty)
    step = model(torch.tensor([[nxt]]), torch.ones(1, 7, dtype=torch.int64), torch.tensor([[6]]), *out[1:])
    logits = np.concatenate([out[0][0].numpy().ravel(), step[0][0].numpy().ravel()]).astype(np.float32)
    logits.tofile(os.path.join(out_dir, "reference.logits.bin"))
    with open(os.path.join(out_dir, "reference.json"), "w") as f:
        json.dump({"prompt": prompt, "next": nxt, "vocab": cfg["vocab_size"], "rows": 7}, f)


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: python3 export-onnx.py <model-dir>")
    model_dir = sys.argv[1]
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    out_dir = os.path.join(model_dir, "onnx")
    os.makedirs(out_dir, exist_ok=True)
    if os.path.exists(os.path.join(out_dir, ".complete")):
        os.remove(os.path.join(out_dir, ".complete"))
    t0 = time.time()
    model = GPT2(load_safetensors(os.path.join(model_dir, "model.safetensors")), cfg).eval()
    reference(model, cfg, out_dir)
    fp32, q8 = os.path.join(out_dir, "model.onnx"), os.path.join(out_dir, "model_quantized.onnx")
    export_fp32(model, cfg, fp32 + ".tmp")
    os.replace(fp32 + ".tmp", fp32)
    print(f"export-onnx: {fp32} ({os.path.getsize(fp32) / 1e6:.0f} MB, {time.time() - t0:.0f} s)", file=sys.stderr)
    n = quantize_matmuls(fp32, q8 + ".tmp")
    os.replace(q8 + ".tmp", q8)
    print(f"export-onnx: {q8} ({os.path.getsize(q8) / 1e6:.0f} MB, {n} MatMuls quantised)", file=sys.stderr)
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run(["node", os.path.join(here, "verify-onnx.mjs"), model_dir], check=True)
    with open(os.path.join(out_dir, ".complete"), "w") as f:
        json.dump({"torch": torch.__version__, "onnx": onnx.__version__, "opset": 14, "seconds": round(time.time() - t0)}, f)


if __name__ == "__main__":
    main()
