"""Triton Python-backend model `tiny_lm`: a 0.96M-parameter GPT that streams tokens (decoupled).

Weights, tokenizer and config sit beside this file (trained by scripts/train_tiny_lm.py). Each
request is generated on a worker thread with a KV cache, one response per token, then a final
summary response flagged TRITONSERVER_RESPONSE_COMPLETE_FINAL. Input/output tensors are
documented in ../../README.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import triton_python_backend_utils as pb_utils
from safetensors.torch import load_file
from tokenizers import Tokenizer

HERE = Path(__file__).resolve().parent
# gpt.py is shared with the training script; the model directory is not a package.
sys.path.insert(0, str(HERE))
from gpt import GPT, GPTConfig  # noqa: E402

EOT = "<|endoftext|>"
DEFAULT_MAX_TOKENS = 64
FINAL = pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL


def apply_chat_template(messages: list[dict[str, str]]) -> str:
    """The template the model was trained on; ends with the generation prompt '<|assistant|>'."""
    parts = []
    for m in messages:
        role = m.get("role", "user")
        if role not in ("system", "user", "assistant"):
            role = "user"  # tool/developer roles: the tiny model only knows these three
        content = m.get("content") or ""
        if isinstance(content, list):  # OpenAI content parts: keep the text ones
            content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
        parts.append(f"<|{role}|> {content.strip()}\n")
    return "".join(parts) + "<|assistant|>"


@dataclass
class Params:
    prompt: str
    max_tokens: int
    temperature: float
    top_p: float
    stop: list[str]
    seed: int
    chat: bool
    ignore_eos: bool


def _opt(request: Any, name: str) -> np.ndarray | None:
    t = pb_utils.get_input_tensor_by_name(request, name)
    return None if t is None else t.as_numpy().reshape(-1)


def _str(v: Any) -> str:
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def parse(request: Any) -> Params:
    prompt = _opt(request, "prompt")
    messages = _opt(request, "messages")
    chat = False
    if messages is not None and messages.size:
        msgs = json.loads(_str(messages[0]))
        if not isinstance(msgs, list) or not all(isinstance(m, dict) for m in msgs):
            raise ValueError("messages must be a JSON list of {role, content} objects")
        text, chat = apply_chat_template(msgs), True
    elif prompt is not None and prompt.size:
        text = _str(prompt[0])
    else:
        raise ValueError("either 'prompt' or 'messages' is required")
    mt = _opt(request, "max_tokens")
    max_tokens = int(mt[0]) if mt is not None and mt.size else DEFAULT_MAX_TOKENS
    tp = _opt(request, "temperature")
    temperature = float(tp[0]) if tp is not None and tp.size else 1.0
    pp = _opt(request, "top_p")
    top_p = float(pp[0]) if pp is not None and pp.size else 1.0
    st = _opt(request, "stop")
    stop = [s for s in (_str(v) for v in (st if st is not None else [])) if s]
    sd = _opt(request, "seed")
    # No seed: fresh entropy, like OpenAI's API; a seed makes sampling reproducible.
    seed = int(sd[0]) if sd is not None and sd.size else int.from_bytes(os.urandom(7), "little")
    ie = _opt(request, "ignore_eos")
    ignore_eos = bool(ie[0]) if ie is not None and ie.size else False
    if max_tokens < 1:
        raise ValueError("max_tokens must be at least 1")
    if not 0.0 <= temperature <= 2.0:
        raise ValueError("temperature must be between 0 and 2")
    if not 0.0 < top_p <= 1.0:
        raise ValueError("top_p must be in (0, 1]")
    if len(stop) > 4:
        raise ValueError("at most 4 stop sequences")
    return Params(text, max_tokens, temperature, top_p, stop, seed, chat, ignore_eos)


def _held_back(text: str, stops: list[str]) -> int:
    """How many trailing characters might be the start of a stop string (must not be sent yet)."""
    hold = 0
    for s in stops:
        for k in range(min(len(s) - 1, len(text)), hold, -1):
            if text.endswith(s[:k]):
                hold = k
                break
    # A trailing U+FFFD is an incomplete UTF-8 sequence that the next byte token completes.
    n = len(text) - hold
    while n > 0 and text[n - 1] == "\ufffd":
        n -= 1
    return len(text) - n


class TritonPythonModel:
    def initialize(self, args: dict[str, str]) -> None:
        config = json.loads(args["model_config"])
        params = config.get("parameters", {})

        def param(key: str, default: str) -> str:
            return str(params.get(key, {}).get("string_value", default))

        # One thread per generation: a 128-wide model's matmuls are too small to gain from more,
        # and concurrent requests then use the other core.
        torch.set_num_threads(int(param("torch_threads", "1")))
        self.tokenizer = Tokenizer.from_file(str(HERE / "tokenizer.json"))
        self.eot = self.tokenizer.token_to_id(EOT)
        cfg = GPTConfig.load(HERE / "config.json")
        self.model = GPT(cfg)
        self.model.load_state_dict(
            {k: v.float() for k, v in load_file(str(HERE / "model.safetensors")).items()}
        )
        self.model.eval()
        self.block_size = cfg.block_size
        self.pool = ThreadPoolExecutor(
            max_workers=int(param("max_concurrent", "4")), thread_name_prefix="gen"
        )
        self.closing = threading.Event()

    def execute(self, requests: list[Any]) -> None:
        # Decoupled: return at once and stream from worker threads, so one long generation
        # does not block the next request (or its cancellation) behind it.
        for request in requests:
            self.pool.submit(self._run, request)
        return None

    def _run(self, request: Any) -> None:
        sender = request.get_response_sender()
        try:
            self._generate(request, sender)
        except Exception as e:  # report to the client rather than leave the stream open
            with contextlib.suppress(Exception):  # the client may be gone already
                sender.send(pb_utils.InferenceResponse(error=pb_utils.TritonError(str(e))), flags=FINAL)

    @staticmethod
    def _response(text: str, token_id: int, finish: str, n_prompt: int, n_completion: int) -> Any:
        return pb_utils.InferenceResponse(
            output_tensors=[
                pb_utils.Tensor("text", np.array([text.encode("utf-8")], dtype=np.object_)),
                pb_utils.Tensor("token_id", np.array([token_id], dtype=np.int64)),
                pb_utils.Tensor("finish_reason", np.array([finish.encode()], dtype=np.object_)),
                pb_utils.Tensor("prompt_tokens", np.array([n_prompt], dtype=np.int32)),
                pb_utils.Tensor("completion_tokens", np.array([n_completion], dtype=np.int32)),
            ]
        )

    @torch.inference_mode()
    def _generate(self, request: Any, sender: Any) -> None:
        p = parse(request)
        prompt_ids = self.tokenizer.encode(p.prompt).ids or [self.eot]  # empty prompt: start of a doc
        n_prompt = len(prompt_ids)
        # Keep the end of an over-long prompt and leave room for at least one new token.
        prompt_ids = prompt_ids[-(self.block_size - 1) :]
        budget = min(p.max_tokens, self.block_size - len(prompt_ids))
        gen = torch.Generator().manual_seed(p.seed)

        logits, cache = self.model(torch.tensor([prompt_ids]))
        completion: list[int] = []
        sent = 0  # characters of the decoded completion already streamed
        finish = "length"
        while True:
            if request.is_cancelled() or self.closing.is_set():
                # Logged so operators (and tests) can see generation really stopped early.
                pb_utils.Logger.log_info(f"tiny_lm: cancelled after {len(completion)} tokens")
                # Triton drops whatever is sent after cancellation; just close the stream.
                sender.send(flags=FINAL)
                return
            if p.ignore_eos:
                logits[0, -1, self.eot] = float("-inf")
            token = self._sample(logits[0, -1], p, gen)
            if token == self.eot:
                finish = "stop"
                break
            completion.append(token)
            text = self.tokenizer.decode(completion, skip_special_tokens=True)
            if p.chat:
                text = text.lstrip()  # the template leaves ' ' before the answer's first word
            hits = [i for i in (text.find(s, max(0, sent - len(s))) for s in p.stop) if i >= 0]
            if hits:  # OpenAI semantics: the stop string itself is not returned
                finish = "stop"
                sender.send(self._response(text[sent : min(hits)], token, "", n_prompt, len(completion)))
                break
            if len(completion) >= budget:  # last token: flush whatever was held back
                sender.send(self._response(text[sent:], token, "", n_prompt, len(completion)))
                break
            safe = len(text) - _held_back(text, p.stop)
            sender.send(self._response(text[sent:safe], token, "", n_prompt, len(completion)))
            sent = max(sent, safe)
            logits, cache = self.model(torch.tensor([[token]]), cache)
        # The final response is a summary: empty text, token_id -1, finish_reason and usage.
        sender.send(self._response("", -1, finish, n_prompt, len(completion)), flags=FINAL)

    @staticmethod
    def _sample(logits: torch.Tensor, p: Params, gen: torch.Generator) -> int:
        if p.temperature == 0.0:
            return int(torch.argmax(logits))
        probs = torch.softmax(logits / p.temperature, dim=-1)
        if p.top_p < 1.0:
            sorted_p, order = torch.sort(probs, descending=True)
            # Keep the smallest prefix whose mass reaches top_p (always at least the top token).
            keep = torch.cumsum(sorted_p, 0) - sorted_p < p.top_p
            probs = torch.zeros_like(probs).scatter(0, order[keep], sorted_p[keep])
        return int(torch.multinomial(probs, 1, generator=gen))

    def finalize(self) -> None:
        self.closing.set()
        self.pool.shutdown(wait=True, cancel_futures=True)
