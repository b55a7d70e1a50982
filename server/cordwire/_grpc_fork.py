"""Turns gRPC's fork support off (unless the environment says otherwise) before gRPC starts.

The embedded Triton runs in this process and its Python backend forks one stub process per model
instance, from several loader threads at once. With fork support on, gRPC's fork handlers run in
each of those threads and abort the process on concurrent forks ("Check failed: is_forking !=
was_forking", work_stealing_thread_pool.cc). cordwire never uses gRPC in a forked child.
Imported first by ``cordwire/__init__.py``: gRPC reads the variable when it initialises.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
