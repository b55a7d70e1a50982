"""Tracing: HTTP request → cord → Triton call, one trace, continued from the client's traceparent."""

from __future__ import annotations

from .conftest import Ops

CLIENT_TRACE = "0af7651916cd43dd8448eb211c80319c"
CLIENT_SPAN = "b7ad6b7169203331"


async def test_three_spans_one_trace_parented_in_order(ops: Ops) -> None:
    traceparent = f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"
    response = await ops.http.get("/v1/infer?x=1", headers={"x-api-key": ops.key, "traceparent": traceparent})
    assert response.status_code == 200
    spans = {span.name: span for span in ops.spans.get_finished_spans()}
    http, cord, triton = (
        spans["GET /v1/infer"],
        spans["cord /opstest.v1.Ops/Infer"],
        spans["triton infer double"],
    )
    assert {f"{s.context.trace_id:032x}" for s in (http, cord, triton)} == {CLIENT_TRACE}
    assert http.parent is not None and f"{http.parent.span_id:016x}" == CLIENT_SPAN
    assert cord.parent is not None and cord.parent.span_id == http.context.span_id
    assert triton.parent is not None and triton.parent.span_id == cord.context.span_id
    assert http.attributes is not None and http.attributes["http.response.status_code"] == 200

    # Triton gets the Triton span as the parent of whatever it traces: parameters and metadata.
    sent = f"00-{CLIENT_TRACE}-{triton.context.span_id:016x}-01"
    assert ops.triton.parameters[-1]["traceparent"] == sent
    assert ops.triton.metadata[-1]["traceparent"] == sent


async def test_grpc_calls_continue_the_callers_trace(ops: Ops) -> None:
    cord = ops.server.cords["Infer"]
    call = ops.channel.unary_unary(
        cord.full_path,
        request_serializer=cord.input_class.SerializeToString,
        response_deserializer=cord.output_class.FromString,
    )
    metadata = (("x-api-key", ops.key), ("traceparent", f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"))
    await call(cord.input_class(x=1), metadata=metadata)
    spans = {span.name: span for span in ops.spans.get_finished_spans()}
    cord_span, triton = spans["cord /opstest.v1.Ops/Infer"], spans["triton infer double"]
    assert cord_span.parent is not None and f"{cord_span.parent.span_id:016x}" == CLIENT_SPAN
    assert triton.parent is not None and triton.parent.span_id == cord_span.context.span_id


async def test_streams_trace_each_step_under_the_cord(ops: Ops) -> None:
    response = await ops.http.get("/v1/count/2", headers={"x-api-key": ops.key})
    assert response.status_code == 200
    names = [span.name for span in ops.spans.get_finished_spans()]
    assert names == ["cord /opstest.v1.Ops/Count", "GET /v1/count/{n}"]


async def test_refused_calls_are_error_spans(ops: Ops) -> None:
    await ops.http.get("/v1/infer")
    spans = {span.name: span for span in ops.spans.get_finished_spans()}
    assert spans["cord /opstest.v1.Ops/Infer"].status.description == "UNAUTHENTICATED"
