"""The seed's "Image Generation" client (aiohttp, b64_json decoded to a PNG file), pointed at a
cordwire demo. Adapted only in URL and key, read from the environment as in chat.py (the demo
serves images from the same chute as chat, so there is one URL).
"""

# The snippet's code is kept as published, so ruff's style rules it breaks are off here.
# ruff: noqa: SIM117, ASYNC230

import asyncio
import base64
import os

import aiohttp

BASE_URL = os.environ.get("CORDWIRE_URL", "http://localhost:8080")
API_KEY = os.environ.get("CORDWIRE_API_KEY", "your-api-key-here")


async def generate_image():
    url = f"{BASE_URL}/v1/images/generations"
    headers = {"Content-Type": "application/json", "X-API-Key": API_KEY}

    payload = {
        "prompt": "A beautiful sunset over mountains, oil painting style",
        "n": 1,
        "size": "1024x1024",
        "response_format": "b64_json",
    }

    async with aiohttp.ClientSession() as session:
        async with session.post(url, headers=headers, json=payload) as response:
            result = await response.json()

            # Save the image
            image_data = base64.b64decode(result["data"][0]["b64_json"])
            with open("generated_image.png", "wb") as f:
                f.write(image_data)
            print("Image saved as generated_image.png")


asyncio.run(generate_image())
