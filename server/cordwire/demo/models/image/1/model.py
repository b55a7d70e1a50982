"""Triton Python-backend model `image`: a seeded CPPN that paints a PNG for a prompt.

Not a trained generator: a compositional pattern-producing network (an MLP over pixel
coordinates) whose weights and latent come from a torch.Generator seeded by SHA-256(prompt, seed),
and whose palette comes from colour words in the prompt (else from the hash). Same prompt + seed
+ size -> byte-identical PNG. Real torch ops, ~50 ms for 256x256 on one core; PNG is encoded
with zlib, so no imaging library is needed.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from typing import Any

import numpy as np
import torch
import triton_python_backend_utils as pb_utils

MIN_SIDE, MAX_SIDE = 16, 1024
DEFAULT_SIDE = 256
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40), "orange": (245, 140, 30), "yellow": (245, 215, 50), "green": (50, 170, 70),
    "blue": (40, 90, 220), "purple": (130, 60, 190), "pink": (240, 120, 180), "white": (245, 245, 245),
    "black": (15, 15, 20), "brown": (120, 80, 40), "gray": (128, 128, 128), "grey": (128, 128, 128),
    "gold": (212, 175, 55), "teal": (0, 128, 128), "cyan": (40, 210, 230), "sky": (120, 180, 240),
    "sea": (20, 110, 160), "ocean": (20, 90, 150), "forest": (30, 110, 50), "sun": (255, 200, 60),
    "sunset": (250, 110, 60), "night": (20, 25, 60), "fire": (230, 80, 20), "snow": (240, 245, 250),
    "grass": (80, 170, 60), "rose": (220, 60, 100),
}  # fmt: skip


def encode_png(rgb: np.ndarray) -> bytes:
    """8-bit RGB PNG of an [h, w, 3] uint8 array (filter type 0 on every row)."""
    h, w, _ = rgb.shape
    raw = np.concatenate([np.zeros((h, 1), np.uint8), rgb.reshape(h, w * 3)], axis=1).tobytes()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8 bits, truecolour, no interlace
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def palette(prompt: str, gen: torch.Generator) -> torch.Tensor:
    """[k, 3] colours in [0, 1]: the prompt's colour words, topped up with seeded random colours."""
    words = [w.strip(".,;:!?\"'()").lower() for w in prompt.split()]
    named = [COLOURS[w] for w in words if w in COLOURS][:4]
    cols = torch.tensor(named, dtype=torch.float32) / 255.0 if named else torch.empty(0, 3)
    extra = torch.rand(max(0, 4 - len(named)), 3, generator=gen)
    return torch.cat([cols, extra])


@torch.inference_mode()
def render(prompt: str, width: int, height: int, seed: int) -> np.ndarray:
    digest = hashlib.sha256(f"{seed}\x00{prompt}".encode()).digest()
    gen = torch.Generator().manual_seed(int.from_bytes(digest[:8], "little"))
    pal = palette(prompt, gen)
    hidden, depth, zdim = 32, 4, 8
    z = torch.randn(zdim, generator=gen)
    # Coordinates scaled by aspect ratio so shapes are not stretched on non-square images.
    s = max(width, height)
    ys = (torch.arange(height, dtype=torch.float32) - (height - 1) / 2) / (s / 2)
    xs = (torch.arange(width, dtype=torch.float32) - (width - 1) / 2) / (s / 2)
    y, x = torch.meshgrid(ys, xs, indexing="ij")
    r = torch.sqrt(x * x + y * y)
    feats = torch.stack([x, y, r], dim=-1).reshape(-1, 3)
    scale = 1.0 + 2.0 * torch.rand(1, generator=gen).item()  # how busy the pattern is
    h = feats @ (torch.randn(3, hidden, generator=gen) * scale) + z @ torch.randn(zdim, hidden, generator=gen)
    for i in range(depth):
        w = torch.randn(hidden, hidden, generator=gen) / hidden**0.5 * 1.6
        h = torch.sin(h @ w) if i % 2 == 0 else torch.tanh(h @ w)
    weights = torch.softmax(3.0 * (h @ torch.randn(hidden, len(pal), generator=gen)), dim=-1)
    img = (weights @ pal).clamp(0, 1).reshape(height, width, 3)
    return (img * 255.0 + 0.5).to(torch.uint8).numpy()


class TritonPythonModel:
    def initialize(self, args: dict[str, str]) -> None:
        params = json.loads(args["model_config"]).get("parameters", {})
        torch.set_num_threads(int(params.get("torch_threads", {}).get("string_value", "1")))

    @staticmethod
    def _scalar(request: Any, name: str, default: int) -> int:
        t = pb_utils.get_input_tensor_by_name(request, name)
        return default if t is None or t.as_numpy().size == 0 else int(t.as_numpy().reshape(-1)[0])

    def execute(self, requests: list[Any]) -> list[Any]:
        responses = []
        for request in requests:
            try:
                raw = pb_utils.get_input_tensor_by_name(request, "prompt").as_numpy().reshape(-1)[0]
                prompt = raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
                width = self._scalar(request, "width", DEFAULT_SIDE)
                height = self._scalar(request, "height", DEFAULT_SIDE)
                seed = self._scalar(request, "seed", 0)
                if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
                    raise ValueError(f"width and height must be within [{MIN_SIDE}, {MAX_SIDE}]")
                png = encode_png(render(prompt, width, height, seed))
                out = pb_utils.Tensor("image", np.array([png], dtype=np.object_))
                responses.append(pb_utils.InferenceResponse(output_tensors=[out]))
            except Exception as e:  # one bad request must not fail the others in the batch
                responses.append(pb_utils.InferenceResponse(error=pb_utils.TritonError(str(e))))
        return responses
