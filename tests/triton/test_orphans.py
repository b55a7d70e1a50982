"""No Python-backend stub outlives a cordwire process (Triton in-process) killed by SIGTERM or SIGKILL."""

from __future__ import annotations

import asyncio
import os
import pathlib
import shutil
import signal
import subprocess
import sys

import pytest

pytestmark = pytest.mark.triton

# A stand-in for `cordwire serve`: starts the embedded Triton, says so once ready, waits.
PARENT = """
import pathlib, sys, time
from cordwire.server.triton import InProcessTriton

triton = InProcessTriton(pathlib.Path(sys.argv[1]), ["identity"])
triton.start()
print(triton._workdir, flush=True)
time.sleep(3600)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1].split()[0] != "Z"  # a zombie is dead, just not reaped
    except FileNotFoundError:
        return False


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().split(") ")[1].split()[1]) == pid:
                        found.append(int(entry))
            except (FileNotFoundError, IndexError):
                pass
    return found


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
async def test_no_orphan_after_parent_dies(sig: signal.Signals, model_repository: pathlib.Path) -> None:
    parent = await asyncio.create_subprocess_exec(
        sys.executable, "-c", PARENT, str(model_repository), stdout=subprocess.PIPE
    )
    assert parent.stdout is not None
    workdir = (await asyncio.wait_for(parent.stdout.readline(), 120)).decode().strip()
    stubs = _children(parent.pid)
    assert stubs, "expected the Python-backend stub"

    parent.send_signal(sig)
    await parent.wait()
    # Process death has no event to await here: poll against a deadline.
    for _ in range(200):
        if not any(_alive(pid) for pid in stubs):
            break
        await asyncio.sleep(0.05)
    else:
        pytest.fail(f"stubs {stubs} outlived their parent")
    shutil.rmtree(workdir)  # the killed parent could not
