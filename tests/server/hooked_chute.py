"""The bookstore with a shutdown hook that leaves a marker file: proof hooks run on signals."""

import os
import pathlib
from typing import Any

from cordwire._target import load_target

chute = load_target(f"{pathlib.Path(__file__).resolve().parents[2]}/examples/bookstore/chute.py:chute")


@chute.on_shutdown()
def leave_marker(self: Any) -> None:
    pathlib.Path(os.environ["CORDWIRE_TEST_MARKER"]).write_text("shutdown hook ran")
