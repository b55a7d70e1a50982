"""The fault-injection chute the client tests run against (see faults.proto)."""

from __future__ import annotations

import collections
import pathlib
from collections.abc import AsyncIterator
from typing import Any

from cordwire import Chute, Code, CordError, load_proto_files

HERE = pathlib.Path(__file__).resolve().parent


def make_chute() -> Chute:
    (file,) = load_proto_files([HERE / "faults.proto"], include_dirs=[HERE])
    chute = Chute(username="tests", name="faults", service=file.services_by_name["Faults"])
    attempts: collections.Counter[str] = collections.Counter()

    @chute.cord("Flaky")
    async def flaky(self: Any, request: Any, context: Any) -> dict[str, Any]:
        attempts[request.scenario] += 1
        if attempts[request.scenario] <= request.failures:
            headers = {}
            if request.retry_after:
                headers["Retry-After"] = request.retry_after
            if request.retry_after_ms:
                headers["retry-after-ms"] = request.retry_after_ms
            raise CordError(Code[request.code], f"{request.scenario}: injected failure", headers=headers)
        return {"attempts": attempts[request.scenario]}

    @chute.cord("Fail")
    async def fail(self: Any, request: Any, context: Any) -> dict[str, Any]:
        raise CordError(
            Code[request.code], request.message, param=request.param or None, reason=request.reason or None
        )

    @chute.cord("Count")
    async def count(self: Any, request: Any, context: Any) -> AsyncIterator[dict[str, Any]]:
        for i in range(request.n):
            yield {"index": i, "text": request.text}
        if request.fail_with:
            raise CordError(Code[request.fail_with], "injected failure mid-stream")

    @chute.cord("Whoami")
    async def whoami(self: Any, request: Any, context: Any) -> dict[str, Any]:
        return {
            "api_key": context.metadata.get("x-api-key", ""),
            "authorization": context.metadata.get("authorization", ""),
        }

    return chute
