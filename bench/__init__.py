"""Issue #8's benchmark harness: cordwire's gateway against Triton's own endpoints, a FastAPI proxy
and grpc-gateway v2, on one trivial Triton model. Run with ``make bench`` (``python -m bench``).

Not part of ``make test``: it takes minutes, needs wrk and Go, and its numbers depend on the machine.
"""
