"""Train the demo `tiny_lm` model from scratch on CPU (a few minutes on 2 cores).

Writes into server/cordwire/demo/models/tiny_lm/1/:
  tokenizer.json      byte-level BPE built with `tokenizers` on the generated corpus
  config.json         GPTConfig of the architecture in gpt.py (beside it)
  model.safetensors   weights, stored as float16 to halve the shipped size (served as float32)

    .venv/bin/python scripts/train_tiny_lm.py            # the shipped weights: --steps 800

The corpus comes from scripts/tiny_lm_corpus.py (deterministic), the run is seeded, the schedule
counts steps (not seconds) and torch uses 1 thread, so reruns on the same machine give the same
weights (another CPU may differ in the last bits of float arithmetic). About 0.3-0.6 s a step on
2 busy cores.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
import time
from pathlib import Path
from types import ModuleType

import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "server" / "cordwire" / "demo" / "models" / "tiny_lm" / "1"
SPECIALS = ["<|endoftext|>", "<|system|>", "<|user|>", "<|assistant|>"]

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tiny_lm_corpus import EOT, make_corpus  # noqa: E402


def _load_gpt_module() -> ModuleType:
    # gpt.py lives in the Triton model directory (not an importable package), so load it by path.
    spec = importlib.util.spec_from_file_location("tiny_lm_gpt", OUT_DIR / "gpt.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(mod)
    return mod


def build_tokenizer(docs: list[str], vocab_size: int) -> Tokenizer:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),  # every byte encodable: no <unk>
        show_progress=False,
    )
    tok.train_from_iterator(docs, trainer=trainer)
    return tok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--steps", type=int, default=800)
    ap.add_argument(
        "--max-minutes", type=float, default=30.0, help="safety cap; stopping early is not reproducible"
    )
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    gpt = _load_gpt_module()
    cfg = gpt.GPTConfig()

    docs = make_corpus()
    tok = build_tokenizer(docs, cfg.vocab_size)
    assert tok.get_vocab_size() <= cfg.vocab_size
    eot = tok.token_to_id(EOT)
    assert eot is not None
    ids: list[int] = []
    for enc in tok.encode_batch(docs):
        ids.extend(enc.ids)
        ids.append(eot)
    data = torch.tensor(ids, dtype=torch.long)
    n_val = len(data) // 50
    train, val = data[:-n_val], data[-n_val:]
    print(f"corpus: {len(docs)} docs, {len(data)} tokens, vocab {tok.get_vocab_size()}", flush=True)

    model = gpt.GPT(cfg)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: {n_params / 1e6:.2f}M parameters", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.05)
    gen = torch.Generator().manual_seed(args.seed)

    def batch(src: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        ix = torch.randint(len(src) - args.seq - 1, (args.batch,), generator=gen)
        x = torch.stack([src[i : i + args.seq] for i in ix])
        y = torch.stack([src[i + 1 : i + 1 + args.seq] for i in ix])
        return x, y

    @torch.no_grad()
    def val_loss() -> float:
        model.eval()
        losses = [
            torch.nn.functional.cross_entropy(model(x)[0].flatten(0, 1), y.flatten()).item()
            for x, y in (batch(val) for _ in range(8))
        ]
        model.train()
        return sum(losses) / len(losses)

    warmup = 50
    start = time.monotonic()
    step = 0
    while step < args.steps:
        elapsed = time.monotonic() - start
        if elapsed > args.max_minutes * 60:
            print(f"stopping early at step {step}: over --max-minutes", flush=True)
            break
        # Linear warm-up, then cosine decay to 10% of the peak at the last step.
        frac = step / args.steps
        lr = args.lr * min(1.0, (step + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = batch(train)
        logits, _ = model(x)
        loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), y.flatten())
        opt.zero_grad(set_to_none=True)
        loss.backward()  # type: ignore[no-untyped-call]
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 100 == 0:
            print(f"step {step} t={elapsed:.0f}s lr={lr:.2e} loss={loss.item():.3f}", flush=True)
        step += 1
    print(f"done: {step} steps in {time.monotonic() - start:.0f}s, val loss {val_loss():.3f}", flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    tok.save(str(args.out / "tokenizer.json"))
    cfg.save(args.out / "config.json")
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(args.out / "model.safetensors"), metadata={"steps": str(step)})
    print(f"wrote {args.out}", flush=True)


if __name__ == "__main__":
    main()
