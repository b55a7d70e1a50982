"""Usage beside metrics (one observer each, fanned out), and the opt-in per-key Prometheus series."""

from __future__ import annotations

import pathlib

import grpc

from cordwire.server import ChuteServer
from cordwire.server.admission import Admission, KeyAuthenticator, KeyStore, admission_guard
from cordwire.server.observability import Observability
from cordwire.server.usage import LocalQuotas, SqliteUsageStore, UsageMeter, usage_db_beside

from .chute import make_chute


async def test_metrics_and_usage_both_see_each_call(tmp_path: pathlib.Path) -> None:
    store = KeyStore(tmp_path / "keys.db")
    key = store.create("watched")
    key_id = key[3:15]
    observability = Observability()
    meter = UsageMeter(
        SqliteUsageStore(usage_db_beside(store.path)), LocalQuotas(), registry=observability.metrics.registry
    )
    chute = make_chute()
    server = ChuteServer(
        chute,
        grpc_port=0,
        guards=(admission_guard(Admission(KeyAuthenticator(store)), chute.chute_id), meter.guard),
        observability=observability,
        observers=(meter.observer(chute.chute_id),),
    )
    await server.start()
    try:
        cord = server.cords["Echo"]
        async with grpc.aio.insecure_channel(server.grpc_target) as channel:
            echo = channel.unary_unary(
                cord.full_path,
                request_serializer=cord.input_class.SerializeToString,
                response_deserializer=cord.output_class.FromString,
            )
            for text in ("a b", "fail"):
                try:
                    await echo(cord.input_class(text=text), metadata=(("x-api-key", key),))
                except grpc.aio.AioRpcError as exc:
                    assert exc.code() == grpc.StatusCode.INVALID_ARGUMENT
        text = observability.exposition()[0].decode()
        assert 'cordwire_requests_total{chute="usage-probe",cord="Echo"' in text
        assert (
            f'cordwire_key_requests_total{{chute="usage-probe",key_id="{key_id}",status_class="2xx"}} 1.0'
            in text
        )
        assert (
            f'cordwire_key_requests_total{{chute="usage-probe",key_id="{key_id}",status_class="4xx"}} 1.0'
            in text
        )
        assert f'cordwire_key_tokens_total{{chute="usage-probe",key_id="{key_id}",kind="prompt"}} 2.0' in text
        assert (await meter.totals(key_id, 0, 2**40))[:2] == [2, 1]
    finally:
        await server.stop()
        await meter.aclose()
        store.close()
