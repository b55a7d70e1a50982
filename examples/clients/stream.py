"""The seed's "Streaming Response" client (aiohttp, `data: ` lines until `[DONE]`), pointed at a
cordwire demo. Adapted only in URL, key and model, read from the environment as in chat.py.
"""

# The snippet's code is kept as published, so ruff's style rules it breaks are off here.
# ruff: noqa: SIM117

import asyncio
import json
import os

import aiohttp

BASE_URL = os.environ.get("CORDWIRE_URL", "http://localhost:8080")
API_KEY = os.environ.get("CORDWIRE_API_KEY", "your-api-key-here")
MODEL = os.environ.get("CORDWIRE_MODEL", "tiny-lm")


async def stream_llm_response():
    url = f"{BASE_URL}/v1/chat/completions"
    headers = {"Content-Type": "application/json", "X-API-Key": API_KEY}

    payload = {
        "model": MODEL,
        "messages": [{"role": "user", "content": "Write a short story about AI"}],
        "stream": True,
        "max_tokens": 500,
    }

    async with aiohttp.ClientSession() as session:
        async with session.post(url, headers=headers, json=payload) as response:
            async for line in response.content:
                if line:
                    line_str = line.decode("utf-8").strip()
                    if line_str.startswith("data: "):
                        data = line_str[6:]
                        if data != "[DONE]":
                            try:
                                chunk = json.loads(data)
                                content = chunk["choices"][0]["delta"].get("content", "")
                                print(content, end="", flush=True)
                            except json.JSONDecodeError:
                                pass


asyncio.run(stream_llm_response())
