"""Not from the seed: stand-ins for what the Cords document leaves to the reader.

The document's examples call ``self.model``, ``self.tts_model``, ``self.process_file`` and friends
(a real chute loads them in a start-up hook), use ``jwt`` (PyJWT), and name ``logger``, ``json``,
``os`` and ``Header`` without importing them. :func:`install` adds a start-up hook that sets the
fakes on the chute; :data:`jwt` is a small HS256 implementation used when PyJWT is absent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sys
import tempfile
import types
from typing import Any


def install(chute: Any) -> None:
    """Give ``chute`` the document's ``self.model`` & co. (a start-up hook, run before serving)."""

    @chute.on_startup(priority=0)
    async def load_fakes(self: Any) -> None:
        self.model = TextModel()
        self.tts_model = SpeechModel()
        self.model_version = TextModel.version
        self.request_count = 0
        self.process_file = process_file
        self.create_temp_file = create_temp_file


async def process_file(contents: bytes, content_type: str) -> dict[str, Any]:
    return {"content_type": content_type, "sha256": hashlib.sha256(contents).hexdigest()}


async def create_temp_file(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(delete=False) as f:
        f.write(data)
    return f.name


class TextModel:
    version = "fake-text-1"

    async def predict(self, text: str, temperature: float = 0.7) -> dict[str, Any]:
        if text == "boom":
            raise RuntimeError("the fake model fails on 'boom'")
        return {"label": "positive" if "good" in text else "neutral", "length": len(text)}

    async def generate(self, text: str, max_length: int = 100, **params: Any) -> dict[str, Any]:
        return {"text": text[:max_length], "params": params}

    async def generate_stream(self, prompt: str) -> Any:
        for token in prompt.split():
            yield token

    async def generate_events(self, prompt: str) -> Any:
        for i, word in enumerate(prompt.split()):
            yield {"index": i, "word": word}

    async def generate_image(self, prompt: str) -> bytes:
        return b"\xff\xd8\xff\xe0" + hashlib.sha256(prompt.encode()).digest() + b"\xff\xd9"

    async def predict_batch(self, batch: list[str]) -> list[int]:
        return [len(text) for text in batch]

    async def process(self, text: str, language: str) -> dict[str, Any]:
        return {"text": text, "language": language}

    async def process_file(self, path: str) -> dict[str, Any]:
        with open(path, "rb") as f:  # noqa: ASYNC230 (a fake: tiny local files)
            return {"bytes": len(f.read())}


class SpeechModel:
    async def synthesize(self, text: str) -> bytes:
        return b"RIFF" + len(text).to_bytes(4, "little") + b"WAVE" + text.encode()

    async def synthesize_stream(self, text: str) -> Any:
        yield b"RIFF\x00\x00\x00\x00WAVE"
        for word in text.split():
            yield word.encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class InvalidTokenError(Exception):
    pass


def encode(payload: dict[str, Any], key: str, algorithm: str = "HS256") -> str:
    header = _b64(json.dumps({"alg": algorithm, "typ": "JWT"}).encode())
    body = _b64(json.dumps(payload).encode())
    signature = hmac.new(key.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64(signature)}"


def decode(token: str, key: str, algorithms: list[str]) -> dict[str, Any]:
    try:
        header, body, signature = token.split(".")
        expected = hmac.new(key.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
        if "HS256" not in algorithms or not hmac.compare_digest(_unb64(signature), expected):
            raise InvalidTokenError("signature verification failed")
        payload: dict[str, Any] = json.loads(_unb64(body))
    except (ValueError, TypeError) as exc:
        raise InvalidTokenError(str(exc)) from None
    return payload


def jwt_module() -> types.ModuleType:
    """PyJWT when installed, else this file's HS256 ``encode``/``decode`` as module ``jwt``."""
    try:
        import jwt  # type: ignore[import-not-found]
    except ImportError:
        jwt = types.ModuleType("jwt")
        jwt.encode = encode  # type: ignore[attr-defined]
        jwt.decode = decode  # type: ignore[attr-defined]
        jwt.InvalidTokenError = InvalidTokenError  # type: ignore[attr-defined]
        sys.modules["jwt"] = jwt
    return jwt


jwt = jwt_module()
