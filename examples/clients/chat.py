"""The seed's "Basic LLM Invocation" client (aiohttp, X-API-Key), pointed at a cordwire demo.

Adapted only in where it goes: the URL, the key and the model come from the environment
(CORDWIRE_URL, default http://localhost:8080; CORDWIRE_API_KEY; CORDWIRE_MODEL, default tiny-lm,
the demo chute's chat model).
"""

# The snippet's code is kept as published, so ruff's style rules it breaks are off here.
# ruff: noqa: F401, SIM117

import asyncio
import json
import os

import aiohttp

BASE_URL = os.environ.get("CORDWIRE_URL", "http://localhost:8080")
API_KEY = os.environ.get("CORDWIRE_API_KEY", "your-api-key-here")
MODEL = os.environ.get("CORDWIRE_MODEL", "tiny-lm")


async def call_llm_chute():
    url = f"{BASE_URL}/v1/chat/completions"
    headers = {"Content-Type": "application/json", "X-API-Key": API_KEY}

    payload = {
        "model": MODEL,
        "messages": [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Hello! How are you?"},
        ],
        "max_tokens": 100,
        "temperature": 0.7,
    }

    async with aiohttp.ClientSession() as session:
        async with session.post(url, headers=headers, json=payload) as response:
            result = await response.json()
            print(result["choices"][0]["message"]["content"])


# Run the async function
asyncio.run(call_llm_chute())
