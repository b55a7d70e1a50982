"""The transcoding conformance chute as a `cordwire serve` target (the schemathesis run serves it)."""

from tests.gateway_e2e.chute import make_chute

chute = make_chute("conf", "transcoding")
