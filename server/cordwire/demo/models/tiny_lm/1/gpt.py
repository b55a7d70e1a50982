"""A small GPT (pre-LN decoder, learned positions, tied embeddings) with a KV cache.

Shared by the Triton model (model.py, loaded by path beside this file) and by
scripts/train_tiny_lm.py, so training and serving cannot drift apart.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F


@dataclass(frozen=True)
class GPTConfig:
    vocab_size: int = 1024
    block_size: int = 256
    n_layer: int = 4
    n_head: int = 4
    d_model: int = 128

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> GPTConfig:
        return cls(**json.loads(path.read_text()))


# One layer's cache: (keys, values), each [batch, heads, time, head_dim].
LayerCache = tuple[torch.Tensor, torch.Tensor]


class Block(nn.Module):
    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        self.n_head = cfg.n_head
        self.ln1 = nn.LayerNorm(cfg.d_model)
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model)
        self.ln2 = nn.LayerNorm(cfg.d_model)
        self.fc = nn.Linear(cfg.d_model, 4 * cfg.d_model)
        self.fc_out = nn.Linear(4 * cfg.d_model, cfg.d_model)

    def forward(self, x: torch.Tensor, cache: LayerCache | None) -> tuple[torch.Tensor, LayerCache]:
        b, t, c = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(c, dim=2)
        q, k, v = (z.view(b, t, self.n_head, c // self.n_head).transpose(1, 2) for z in (q, k, v))
        if cache is not None:
            if t > 1:
                raise ValueError("multi-token steps with a cache are not supported")
            k = torch.cat([cache[0], k], dim=2)
            v = torch.cat([cache[1], v], dim=2)
        # With a cache, the t new queries sit at the end of the sequence: a causal mask is only needed
        # when they are more than one (prefill); one new token may attend to everything before it.
        y = F.scaled_dot_product_attention(q, k, v, is_causal=cache is None and t > 1)
        x = x + self.proj(y.transpose(1, 2).contiguous().view(b, t, c))
        x = x + self.fc_out(F.gelu(self.fc(self.ln2(x))))
        return x, (k, v)


class GPT(nn.Module):
    def __init__(self, cfg: GPTConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.pos = nn.Embedding(cfg.block_size, cfg.d_model)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.apply(self._init)
        for name, p in self.named_parameters():
            if name.endswith("fc_out.weight") or name.endswith("proj.weight"):
                # GPT-2's scaled init of residual projections keeps early training stable.
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)

    def forward(
        self, idx: torch.Tensor, cache: list[LayerCache] | None = None
    ) -> tuple[torch.Tensor, list[LayerCache]]:
        """Logits for every position of idx [batch, t]; with a cache, idx holds only the new token."""
        past = 0 if cache is None else cache[0][0].shape[2]
        t = idx.shape[1]
        if past + t > self.cfg.block_size:
            raise ValueError(f"sequence of {past + t} tokens exceeds block_size {self.cfg.block_size}")
        pos = torch.arange(past, past + t, device=idx.device)
        x = self.tok(idx) + self.pos(pos)
        new_cache: list[LayerCache] = []
        for i, block in enumerate(self.blocks):
            x, layer_cache = block(x, None if cache is None else cache[i])
            new_cache.append(layer_cache)
        # Tied output head: fewer parameters to train and to ship.
        return self.ln_f(x) @ self.tok.weight.T, new_cache
