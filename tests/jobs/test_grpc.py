"""The cordwire.v1.Jobs gRPC service and the /jobs routes are one surface: same records, same rules."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys
from typing import Any

import grpc
import httpx
import pytest
from google.protobuf import json_format, struct_pb2

from cordwire.v1 import jobs_pb2, jobs_pb2_grpc

from .conftest import Served, events


def _json(message: Any) -> dict[str, Any]:
    as_dict: dict[str, Any] = json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
    return as_dict


def _whole(value: Any) -> Any:  # Struct numbers are doubles; the gateway prints whole ones as ints
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _whole(v) for k, v in value.items()}
    return value


async def test_http_and_grpc_agree(served: Served, keys: tuple[pathlib.Path, str, str]) -> None:
    alice = (("x-api-key", keys[1]),)
    arguments = struct_pb2.Struct()
    arguments.update({"frames": 1, "text": "grpc"})
    async with grpc.aio.insecure_channel(served.grpc_target) as channel:
        stub = jobs_pb2_grpc.JobsStub(channel)
        created = await stub.CreateJob(
            jobs_pb2.CreateJobRequest(name="render", arguments=arguments), metadata=alice
        )
        assert created.status == "queued"
        watched = [
            job async for job in stub.WatchJob(jobs_pb2.WatchJobRequest(id=created.id), metadata=alice)
        ]
        assert watched[-1].status == "complete"
        with served.client(keys[1]) as http:
            assert _whole(_json(watched[-1])) == http.get(f"/jobs/{created.id}").json()
            assert _whole(
                _json(await stub.GetJob(jobs_pb2.GetJobRequest(id=created.id), metadata=alice))
            ) == (http.get(f"/jobs/{created.id}").json())
            listed = await stub.ListJobs(jobs_pb2.ListJobsRequest(), metadata=alice)
            assert _whole(_json(listed)) == http.get("/jobs").json()
            file = await stub.GetJobFile(
                jobs_pb2.GetJobFileRequest(id=created.id, path="frame-0.txt"), metadata=alice
            )
            assert file.data == b"grpc 0" == http.get(f"/jobs/{created.id}/files/frame-0.txt").content
            assert file.content_type == "text/plain"
            # A job created over HTTP is the same job over gRPC, and a cancel over gRPC ends it.
            job = http.post("/jobs/wait", json={}).json()
            events(http, job["id"], until="running")
            cancelled = await stub.CancelJob(jobs_pb2.CancelJobRequest(id=job["id"]), metadata=alice)
            assert cancelled.status == "cancelled"
            assert _whole(_json(cancelled)) == http.get(f"/jobs/{job['id']}").json()


@pytest.mark.parametrize(
    ("call", "request_", "code"),
    [
        ("GetJob", jobs_pb2.GetJobRequest(id="job_nope"), grpc.StatusCode.NOT_FOUND),
        ("CreateJob", jobs_pb2.CreateJobRequest(name="nope"), grpc.StatusCode.NOT_FOUND),
        ("CreateJob", jobs_pb2.CreateJobRequest(name="add"), grpc.StatusCode.INVALID_ARGUMENT),
        ("GetJobFile", jobs_pb2.GetJobFileRequest(id="job_nope", path="x"), grpc.StatusCode.NOT_FOUND),
    ],
)
async def test_grpc_errors_are_the_http_ones(
    served: Served, keys: tuple[pathlib.Path, str, str], call: str, request_: Any, code: grpc.StatusCode
) -> None:
    async with grpc.aio.insecure_channel(served.grpc_target) as channel:
        stub = jobs_pb2_grpc.JobsStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await getattr(stub, call)(request_, metadata=(("x-api-key", keys[1]),))
        assert raised.value.code() is code
        with pytest.raises(grpc.aio.AioRpcError) as anonymous:
            await getattr(stub, call)(request_)
        assert anonymous.value.code() is grpc.StatusCode.UNAUTHENTICATED


def test_the_jobs_service_is_reflected(served: Served) -> None:
    from cordwire.gateway import fetch_services

    names = {s.full_name for s in fetch_services(served.grpc_target)}
    assert "cordwire.v1.Jobs" in names


def test_a_split_gateway_serves_the_job_routes_of_its_upstream(
    served: Served, keys: tuple[pathlib.Path, str, str]
) -> None:
    command = [
        sys.executable,
        "-m",
        "cordwire",
        "gateway",
        "--upstream",
        served.grpc_target,
        "--http-port",
        "0",
    ]
    gateway = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        text = ""
        for line in gateway.stdout or ():
            text += line
            if line.strip() == "ready":
                break
        found = re.search(r"HTTP\s+(http://\S+)", text)
        assert found, text
        with httpx.Client(base_url=found.group(1), headers={"x-api-key": keys[1]}) as http:
            job = http.post("/jobs/render", json={"frames": 1})
            assert job.status_code == 202, job.text
            assert events(http, job.json()["id"])[-1]["status"] == "complete"
            assert http.get(f"/jobs/{job.json()['id']}/files/frame-0.txt").content == b"frame 0"
            assert http.get("/ping").json() == {"pong": "yes"}  # the chute's own routes beside them
    finally:
        gateway.terminate()
        gateway.wait(timeout=20)
        if gateway.stdout:
            gateway.stdout.close()
