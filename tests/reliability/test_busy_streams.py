"""A handler that streams without ever awaiting must not take the whole server with it.

Such a generator never hands control back to the event loop by itself; once its client hangs up,
uvicorn's send() returns at once and nothing else in the server would ever run again. The
gateway yields to the loop after each message, so the hang-up is noticed and other calls go on.
Served as a real `cordwire serve` process: a starved server cannot starve the test too.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import httpx
import pytest

from .serving import ServeProcess, serve_process
from .transcoding_target import __file__ as TARGET_FILE

pytestmark = pytest.mark.slow

WAIT = 10.0  # seconds; answers normally take milliseconds
ENDLESS = {"prompt": "x", "stream": True, "max_tokens": 2**31 - 1}  # never awaits between messages
IN_FLIGHT = re.compile(
    r'^cordwire_in_flight_requests\{chute="conf-transcoding",transport="http"\} (\S+)$', re.MULTILINE
)


@pytest.fixture(scope="module")
def served() -> Iterator[ServeProcess]:
    with serve_process(f"{TARGET_FILE}:chute") as process:
        yield process


async def _in_flight(client: httpx.AsyncClient) -> float:
    found = IN_FLIGHT.search((await client.get("/metrics", timeout=WAIT)).text)
    assert found, "no in-flight gauge for the chute"
    return float(found.group(1))


async def test_hang_up_on_a_never_awaiting_stream_stops_it_and_the_server_answers(
    served: ServeProcess,
) -> None:
    async with httpx.AsyncClient(base_url=served.http_url) as client:
        for _ in range(3):  # repeated: one stuck stream per round would pile up
            async with client.stream("POST", "/v1/completions", json=ENDLESS, timeout=WAIT) as response:
                assert response.status_code == 200
                lines = response.aiter_lines()
                events = 0
                while events < 3:
                    if (await asyncio.wait_for(anext(lines), WAIT)).startswith("data: "):
                        events += 1
            # The connection is closed here, mid-stream.
            answer = await client.post("/v1/completions", json={"prompt": "y", "max_tokens": 2}, timeout=WAIT)
            assert answer.status_code == 200
            assert answer.json() == {"text": "y", "tokens": "2"}
        # The abandoned streams were cancelled, not left running in the background.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT
        while await _in_flight(client) > 0:
            assert loop.time() < deadline, "abandoned streams still in flight"
            await asyncio.sleep(0.05)
