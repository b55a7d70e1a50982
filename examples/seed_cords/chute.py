"""The examples of the Cords document, served by cordwire.

Adapted only where names differ: `from cordwire import ...` instead of chutes/fastapi, pydantic v2
spellings (`pattern=` for `regex=`, `field_validator`, `model_dump`), and small fake models set up
in a start-up hook, so the chute runs anywhere. Examples that share a path with another (three
`/predict` cords) live in their own chutes further down: `intro`, `validated`, `errors`, and
`passthrough_chute(port)`.

    cordwire serve examples/seed_cords/chute.py:chute --no-auth
    cordwire serve examples/seed_cords/chute.py:errors --no-auth
    cordwire protos export examples/seed_cords/chute.py:chute -o my_chute.proto
"""

import hashlib
import hmac
import json
import logging
import os
import tempfile
import time
from collections import defaultdict

from pydantic import BaseModel, Field, field_validator

from cordwire import Chute, Depends, Header, HTTPException, Request, Response, UploadFile

logger = logging.getLogger(__name__)

chute = Chute(username="myuser", name="my-chute", image="my-image")


@chute.on_startup()
async def load_models(self):
    self.model = TextModel()
    self.tts_model = SpeechModel()
    self.model_version = self.model.version
    self.request_count = 0

    async def process_file(contents, content_type):
        return {"content_type": content_type, "sha256": hashlib.sha256(contents).hexdigest()}

    async def create_temp_file(data):
        with tempfile.NamedTemporaryFile(delete=False) as f:
            f.write(data)
        return f.name

    self.process_file = process_file
    self.create_temp_file = create_temp_file


# Simple Cord
@chute.cord(public_api_path="/hello")
async def say_hello(self, name: str) -> dict:
    return {"message": f"Hello, {name}!"}


# With Input Validation
class GreetingInput(BaseModel):
    name: str = Field(..., min_length=1, max_length=100)
    language: str = Field("en", pattern="^(en|es|fr|de)$")


@chute.cord(public_api_path="/greet", input_schema=GreetingInput)
async def greet(self, data: GreetingInput) -> dict:
    greetings = {
        "en": f"Hello, {data.name}!",
        "es": f"¡Hola, {data.name}!",
        "fr": f"Bonjour, {data.name}!",
        "de": f"Hallo, {data.name}!",
    }
    return {"greeting": greetings[data.language]}


# method
@chute.cord(public_api_path="/status", method="GET")
async def get_status(self) -> dict:
    return {"status": "healthy"}


@chute.cord(public_api_path="/update", method="PUT")
async def update_config(self, config: dict) -> dict:
    return {"updated": True}


# minimal_input_schema
class FullInput(BaseModel):
    text: str
    max_length: int = Field(100, ge=1, le=1000)
    temperature: float = Field(0.7, ge=0.0, le=2.0)
    top_p: float = Field(0.9, ge=0.0, le=1.0)
    frequency_penalty: float = Field(0.0, ge=-2.0, le=2.0)


class SimpleInput(BaseModel):
    text: str  # Only required field


@chute.cord(
    public_api_path="/generate",
    input_schema=FullInput,
    minimal_input_schema=SimpleInput,  # For simpler API calls
)
async def generate(self, data: FullInput) -> dict:
    return await self.model.generate(data.text, **data.model_dump(exclude={"text"}))


# output_content_type
@chute.cord(public_api_path="/generate-image", output_content_type="image/jpeg")
async def generate_image(self, prompt: str) -> Response:
    image_bytes = await self.model.generate_image(prompt)
    return Response(content=image_bytes, media_type="image/jpeg")


@chute.cord(public_api_path="/generate-audio", output_content_type="audio/wav")
async def generate_audio(self, text: str) -> Response:
    audio_bytes = await self.tts_model.synthesize(text)
    return Response(content=audio_bytes, media_type="audio/wav")


# stream
@chute.cord(public_api_path="/stream-generate", stream=True)
async def stream_generate(self, prompt: str):
    async for token in self.model.generate_stream(prompt):
        yield {"token": token, "done": False}
    yield {"token": "", "done": True}


# Self Parameter
@chute.cord(public_api_path="/predict")
async def predict(self, text: str) -> dict:
    result = await self.model.predict(text)
    self.request_count += 1
    return {"result": result, "count": self.request_count}


# Direct Parameters
@chute.cord(public_api_path="/simple")
async def simple_endpoint(self, text: str, temperature: float = 0.7) -> dict:
    return {"text": text, "temperature": temperature}


# Pydantic Model Input
class MyInput(BaseModel):
    text: str


@chute.cord(public_api_path="/validated", input_schema=MyInput)
async def validated_endpoint(self, data: MyInput) -> dict:
    return {"processed": data.text}


# JSON Response (Default)
@chute.cord(public_api_path="/json")
async def json_response(self, text: str) -> dict:
    return {"result": "processed"}


# Custom Response Objects
@chute.cord(public_api_path="/custom")
async def custom_response(self, data: str) -> Response:
    return Response(content="Custom content", media_type="text/plain", headers={"X-Custom-Header": "value"})


# Streaming Responses
@chute.cord(public_api_path="/stream", stream=True)
async def streaming_response(self, prompt: str):
    for i in range(10):
        yield {"chunk": i, "data": f"Generated text {i}"}


# Request Context
@chute.cord(public_api_path="/context")
async def with_context(self, request: Request, text: str) -> dict:
    client_ip = request.client.host
    user_agent = request.headers.get("user-agent")
    return {
        "result": await self.model.predict(text),
        "metadata": {"client_ip": client_ip, "user_agent": user_agent},
    }


# File Uploads (`File(...)` is only a default: `file: UploadFile` says the same)
@chute.cord(public_api_path="/upload")
async def upload_file(self, file: UploadFile) -> dict:
    contents = await file.read()
    result = await self.process_file(contents, file.content_type)
    return {"filename": file.filename, "size": len(contents), "result": result}


# Response Headers
@chute.cord(public_api_path="/with-headers")
async def with_headers(self, text: str) -> dict:
    result = await self.model.predict(text)
    response = Response(content=json.dumps({"result": result}), media_type="application/json")
    response.headers["X-Processing-Time"] = "123ms"
    response.headers["X-Model-Version"] = self.model_version
    return response


# Text Streaming
@chute.cord(public_api_path="/stream-text", stream=True)
async def stream_text(self, prompt: str):
    async for token in self.model.generate_stream(prompt):
        yield {"choices": [{"delta": {"content": token}, "index": 0, "finish_reason": None}]}
    yield {"choices": [{"delta": {}, "index": 0, "finish_reason": "stop"}]}


# Binary Streaming
@chute.cord(public_api_path="/stream-audio", stream=True, output_content_type="audio/wav")
async def stream_audio(self, text: str):
    async for audio_chunk in self.tts_model.synthesize_stream(text):
        yield audio_chunk


# Server-Sent Events
@chute.cord(public_api_path="/events", stream=True, output_content_type="text/event-stream")
async def server_sent_events(self, prompt: str):
    async for event in self.model.generate_events(prompt):
        yield f"data: {json.dumps(event)}\n\n"


# 1. Input Validation (no public_api_path: the path is the function's name)
class TextInput(BaseModel):
    text: str = Field(..., min_length=1, max_length=10000)
    language: str = Field("en", pattern="^[a-z]{2}$")

    @field_validator("text")
    @classmethod
    def text_must_not_be_empty(cls, v):
        if not v.strip():
            raise ValueError("Text cannot be empty or whitespace only")
        return v.strip()


@chute.cord(input_schema=TextInput)
async def process_text(self, data: TextInput) -> dict:
    return await self.model.process(data.text, data.language)


# 2. Error Handling
@chute.cord(public_api_path="/robust")
async def robust_endpoint(self, text: str) -> dict:
    try:
        if not text or len(text.strip()) == 0:
            raise HTTPException(status_code=400, detail="Text is required")
        if len(text) > 10000:
            raise HTTPException(status_code=413, detail="Text too long")
        result = await self.model.predict(text)
        return {"result": result, "status": "success"}
    except HTTPException:
        raise
    except Exception as e:
        logger.exception(f"Unexpected error in robust_endpoint: {e}")
        raise HTTPException(status_code=500, detail="Internal server error") from e


# 3. Performance Optimization
@chute.cord(public_api_path="/optimized")
async def optimized_endpoint(self, texts: list[str]) -> dict:
    if len(texts) > 100:
        raise HTTPException(status_code=413, detail="Too many texts")
    results = []
    batch_size = 32
    for i in range(0, len(texts), batch_size):
        batch = texts[i : i + batch_size]
        batch_results = await self.model.predict_batch(batch)
        results.extend(batch_results)
    return {"results": results}


# 4. Resource Management
@chute.cord(public_api_path="/resource-managed")
async def resource_managed_endpoint(self, file_data: bytes) -> dict:
    temp_file = None
    try:
        temp_file = await self.create_temp_file(file_data)
        result = await self.model.process_file(temp_file)
        return {"result": result}
    finally:
        if temp_file and os.path.exists(temp_file):  # noqa: ASYNC240 (the seed's code)
            os.remove(temp_file)


# Authentication (PyJWT replaced by a small HMAC-signed token: `sign_token` below)
async def verify_token(authorization: str = Header(None)):
    if not authorization or not authorization.startswith("Bearer "):
        raise HTTPException(status_code=401, detail="Missing or invalid token")
    token = authorization.split(" ")[1]
    try:
        payload = decode_token(token, "secret")
        return payload
    except InvalidTokenError:
        raise HTTPException(status_code=401, detail="Invalid token") from None


@chute.cord(public_api_path="/secure")
async def secure_endpoint(self, text: str, user=Depends(verify_token)) -> dict:  # noqa: B008
    return {"result": await self.model.predict(text), "user": user["username"]}


# Rate Limiting
request_counts = defaultdict(list)


@chute.cord(public_api_path="/rate-limited")
async def rate_limited_endpoint(self, request: Request, text: str) -> dict:
    client_ip = request.client.host
    current_time = time.time()
    request_counts[client_ip] = [t for t in request_counts[client_ip] if current_time - t < 60]
    if len(request_counts[client_ip]) >= 10:
        raise HTTPException(status_code=429, detail="Rate limit exceeded")
    request_counts[client_ip].append(current_time)
    return await self.model.predict(text)


# Caching
@chute.on_startup()
async def setup_cache(self):
    self.cache = {}


@chute.cord(public_api_path="/cached")
async def cached_endpoint(self, text: str, temperature: float = 0.7) -> dict:
    cache_key = hashlib.md5(json.dumps({"text": text, "temperature": temperature}).encode()).hexdigest()
    if cache_key in self.cache:
        return {"result": self.cache[cache_key], "cached": True}
    result = await self.model.predict(text, temperature=temperature)
    self.cache[cache_key] = result
    return {"result": result, "cached": False}


# --- Examples that reuse a path: one chute each ---------------------------------------------

# What is a Cord?
intro = Chute(username="myuser", name="intro")


@intro.on_startup()
async def load_intro_model(self):
    self.model = TextModel()


@intro.cord(public_api_path="/predict")
async def predict_intro(self, text: str) -> dict:
    result = await self.model.predict(text)
    return {"prediction": result}


# input_schema, and the public_api_path examples
validated = Chute(username="myuser", name="validated")


@validated.on_startup()
async def load_validated_model(self):
    self.model = TextModel()


class PredictionInput(BaseModel):
    text: str = Field(..., description="Input text to analyze")
    max_length: int = Field(100, ge=1, le=1000, description="Maximum output length")
    temperature: float = Field(0.7, ge=0.0, le=2.0, description="Sampling temperature")


@validated.cord(public_api_path="/predict", input_schema=PredictionInput)
async def predict_validated(self, data: PredictionInput) -> dict:
    return await self.model.generate(data.text, max_length=data.max_length, temperature=data.temperature)


@validated.cord(public_api_path="/api/v1/generate")
async def generate_v1(self, text: str) -> dict:
    return await self.model.generate(text)


# Error Handling
errors = Chute(username="myuser", name="errors")


@errors.on_startup()
async def load_errors_model(self):
    self.model = TextModel()


@errors.cord(public_api_path="/predict")
async def predict_or_fail(self, text: str) -> dict:
    if not text.strip():
        raise HTTPException(status_code=400, detail="Text cannot be empty")
    try:
        result = await self.model.predict(text)
        return {"prediction": result}
    except Exception as e:
        logger.error(f"Prediction failed: {e}")
        raise HTTPException(status_code=500, detail="Prediction failed") from e


# passthrough: the port is an argument so that tests can start the upstream on a free port.
def passthrough_chute(port: int = 8000) -> Chute:
    proxy = Chute(username="myuser", name=f"passthrough-{port}")

    @proxy.cord(
        public_api_path="/v1/chat/completions",
        passthrough=True,
        passthrough_path="/v1/chat/completions",
        passthrough_port=port,
    )
    async def chat_completions(self, data):
        # Automatically forwards to localhost:{port}/v1/chat/completions
        return data

    return proxy


# --- Fake models: deterministic stand-ins for the seeds' `self.model` and `self.tts_model` ----


class TextModel:
    version = "fake-text-1"

    async def predict(self, text, temperature=0.7):
        if text == "boom":
            raise RuntimeError("the fake model fails on 'boom'")
        return {"label": "positive" if "good" in text else "neutral", "length": len(text)}

    async def generate(self, text, max_length=100, **params):
        return {"text": text[:max_length], "params": params}

    async def generate_stream(self, prompt):
        for token in prompt.split():
            yield token

    async def generate_events(self, prompt):
        for i, word in enumerate(prompt.split()):
            yield {"index": i, "word": word}

    async def generate_image(self, prompt):
        return b"\xff\xd8\xff\xe0" + hashlib.sha256(prompt.encode()).digest() + b"\xff\xd9"

    async def predict_batch(self, batch):
        return [len(text) for text in batch]

    async def process(self, text, language):
        return {"text": text, "language": language}

    async def process_file(self, path):
        with open(path, "rb") as f:  # noqa: ASYNC230 (a fake: tiny local files)
            return {"bytes": len(f.read())}


class SpeechModel:
    async def synthesize(self, text):
        return b"RIFF" + len(text).to_bytes(4, "little") + b"WAVE" + text.encode()

    async def synthesize_stream(self, text):
        yield b"RIFF\x00\x00\x00\x00WAVE"
        for word in text.split():
            yield word.encode()


class InvalidTokenError(Exception):
    pass


def sign_token(payload, secret):
    body = json.dumps(payload).encode().hex()
    return body + "." + hmac.new(secret.encode(), body.encode(), "sha256").hexdigest()


def decode_token(token, secret):
    body, _, signature = token.partition(".")
    expected = hmac.new(secret.encode(), body.encode(), "sha256").hexdigest()
    if not hmac.compare_digest(signature, expected):
        raise InvalidTokenError("bad signature")
    return json.loads(bytes.fromhex(body))


# Local Testing: `uvicorn.run(chute)` becomes cordwire's own server (gRPC and HTTP on one command).
if __name__ == "__main__":
    from cordwire._cli import main

    raise SystemExit(main(["serve", f"{__file__}:chute", "--no-auth", "--http-port", "8000"]))
