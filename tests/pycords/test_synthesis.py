"""The synthesized protos: the type mapping, presence, definition errors, export and reflection."""

from __future__ import annotations

import asyncio
import pathlib
import types
from typing import Any, Literal, Optional

import grpc
import pydantic
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.descriptor import FieldDescriptor as FD
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from cordwire import Chute, ChuteDefinitionError, Response, UploadFile, load_proto_files
from cordwire._cli import main
from cordwire._pycords import build_file, python_cord, render_file
from cordwire.testing import serve_chute

from .conftest import SEED_TARGET


class Inner(pydantic.BaseModel):
    x: int


class Point(pydantic.BaseModel):
    x: float
    y: float = 0.0
    n: int = 0
    label: str | None = None


class Shape(pydantic.BaseModel):
    points: list[Point]
    centre: Point
    meta: dict[str, str] = {}


# (annotation, proto type, type_name, label, proto3 optional)
MAPPING: list[tuple[Any, int, str, int, bool]] = [
    (str, FD.TYPE_STRING, "", FD.LABEL_OPTIONAL, True),
    (int, FD.TYPE_INT64, "", FD.LABEL_OPTIONAL, True),
    (float, FD.TYPE_DOUBLE, "", FD.LABEL_OPTIONAL, True),
    (bool, FD.TYPE_BOOL, "", FD.LABEL_OPTIONAL, True),
    (bytes, FD.TYPE_BYTES, "", FD.LABEL_OPTIONAL, True),
    (Optional[str], FD.TYPE_STRING, "", FD.LABEL_OPTIONAL, True),  # noqa: UP045
    (int | None, FD.TYPE_INT64, "", FD.LABEL_OPTIONAL, True),
    (Literal["a", "b"], FD.TYPE_STRING, "", FD.LABEL_OPTIONAL, True),
    (list[str], FD.TYPE_STRING, "", FD.LABEL_REPEATED, False),
    (list[Inner], FD.TYPE_MESSAGE, ".chutes.types.mapping.Inner", FD.LABEL_REPEATED, False),
    (Inner, FD.TYPE_MESSAGE, ".chutes.types.mapping.Inner", FD.LABEL_OPTIONAL, False),
    (dict, FD.TYPE_MESSAGE, ".google.protobuf.Struct", FD.LABEL_OPTIONAL, False),
    (dict[str, Any], FD.TYPE_MESSAGE, ".google.protobuf.Struct", FD.LABEL_OPTIONAL, False),
    (dict[str, int], FD.TYPE_MESSAGE, ".chutes.types.mapping.AnswerRequest.FEntry", FD.LABEL_REPEATED, False),
    (list[list[int]], FD.TYPE_MESSAGE, ".google.protobuf.ListValue", FD.LABEL_OPTIONAL, False),
    (Any, FD.TYPE_MESSAGE, ".google.protobuf.Value", FD.LABEL_OPTIONAL, False),
    (str | int, FD.TYPE_MESSAGE, ".google.protobuf.Value", FD.LABEL_OPTIONAL, False),
    (UploadFile, FD.TYPE_MESSAGE, ".chutes.types.mapping.UploadedFile", FD.LABEL_OPTIONAL, False),
]


@pytest.mark.parametrize(("annotation", "kind", "type_name", "label", "optional"), MAPPING)
def test_type_mapping(annotation: Any, kind: int, type_name: str, label: int, optional: bool) -> None:
    chute = Chute(username="types", name="mapping")

    async def answer(self: Any, f: Any, g: int = 0) -> dict[str, Any]:  # two: a request message
        return {}

    answer.__annotations__["f"] = annotation
    chute.cord(public_api_path="/a")(answer)
    file = build_file("types", "mapping", list(chute.python_cords.values()))
    field = next(m for m in file.message_type if m.name == "AnswerRequest").field[0]
    assert (field.type, field.type_name, field.label, field.proto3_optional) == (
        kind,
        type_name,
        label,
        optional,
    )


def test_outputs_streams_and_http_rules(seeds: types.ModuleType) -> None:
    service = seeds.chute.service
    methods = service.methods_by_name
    assert service.full_name == "chutes.myuser.my_chute.MyChute"
    assert methods["SayHello"].output_type.full_name == "google.protobuf.Struct"
    assert methods["GenerateImage"].output_type.full_name == "google.api.HttpBody"
    assert methods["StreamAudio"].server_streaming and methods["StreamAudio"].output_type.name == "HttpBody"
    assert methods["StreamText"].server_streaming and methods["StreamText"].output_type.name == "Struct"
    assert methods["Greet"].input_type.full_name == "chutes.myuser.my_chute.GreetingInput"
    assert python_cord(methods["Generate"]).minimal_input_schema is seeds.SimpleInput  # type: ignore[union-attr]
    rendered = render_file(_proto(service.file))
    get_status = "rpc GetStatus(GetStatusRequest) returns (.google.protobuf.Struct) {\n"
    assert get_status + '    option (google.api.http) = { get: "/status" };' in rendered
    assert 'option (cordwire.v1.cord) = { output_content_type: "audio/wav" };' in rendered


def test_models_and_outputs_synthesize_once() -> None:
    chute = Chute(username="types", name="models")

    @chute.cord(public_api_path="/area")
    def area(self: Any, shape: Shape) -> Point:
        return Point(x=len(shape.points), y=shape.centre.x)

    @chute.cord(public_api_path="/nothing", method="DELETE")
    def nothing(self: Any, point: Point) -> None:
        return None

    messages = {m.name: m for m in _proto(chute.service.file).message_type}
    assert set(messages) == {"Shape", "Point"}
    assert chute.service.methods_by_name["Area"].output_type.name == "Point"
    assert chute.service.methods_by_name["Nothing"].output_type.full_name == "google.protobuf.Empty"


async def test_model_outputs_sync_handlers_and_query_params() -> None:
    chute = Chute(username="types", name="served")

    @chute.cord(public_api_path="/point", method="GET")
    def point(self: Any, x: float, n: int = 2) -> Point:  # sync: runs in the thread pool
        return Point(x=x, n=n)

    async with serve_chute(chute) as running:
        assert (await running.http.get("/point", params={"x": "1.5"})).json() == {
            "x": 1.5,
            "y": 0.0,
            "n": 2,  # pydantic's int prints as a JSON number over HTTP (issue #17)
        }
        assert (await running.http.get("/point", params={"x": "oops"})).status_code == 400
        assert (await running.call("Point", {"x": 2, "n": 7})).n == 7  # type: ignore[attr-defined]


def test_presence_lets_defaults_apply() -> None:
    chute = Chute(username="types", name="presence")

    @chute.cord(public_api_path="/p")
    async def p(self: Any, temperature: float = 0.7) -> dict[str, Any]:
        return {}

    field = chute.service.methods_by_name["P"].input_type.fields_by_name["temperature"]
    assert field.has_presence  # so an explicit 0.0 is not mistaken for "absent"


@pytest.mark.parametrize(("declare", "message"), [
    (lambda c: c.cord(public_api_path="/s", stream=True)(lambda self: {}), "stream=True needs a generator"),
    (lambda c: c.cord(public_api_path="/o", output_schema=dict)(lambda self: {}), "output_schema must be"),
    (lambda c: c.cord("Rpc"), "cannot name an RPC"),
])  # fmt: skip
def test_definition_errors(declare: Any, message: str) -> None:
    with pytest.raises(ChuteDefinitionError, match=message):
        declare(Chute(username="types", name="errors"))


def test_no_cords_and_late_cords_are_errors() -> None:
    chute = Chute(username="types", name="late")
    with pytest.raises(ChuteDefinitionError, match="no service and no cords"):
        _ = chute.service

    @chute.cord(public_api_path="/a")
    async def a(self: Any) -> dict[str, Any]:
        return {}

    assert chute.service.methods_by_name["A"]
    with pytest.raises(ChuteDefinitionError, match="before the chute is served"):
        chute.cord(public_api_path="/b")


def test_unresolvable_annotations_are_definition_errors() -> None:
    class Local(pydantic.BaseModel):
        x: int

    def f(self: Any, data: Local) -> dict[str, Any]:  # a string annotation here (future import)
        return {}

    with pytest.raises(ChuteDefinitionError, match="define the types they name at module level"):
        Chute(username="types", name="local").cord(public_api_path="/f")(f)


def test_two_different_chutes_with_one_id_get_their_own_packages(caplog: pytest.LogCaptureFixture) -> None:
    # A notebook cell run again, or a module imported under two names: each definition is served
    # from its own package rather than refused for the rest of the process.
    first, second = Chute(username="types", name="twice"), Chute(username="types", name="twice")
    first.cord(public_api_path="/a")(lambda self, x: {})
    second.cord(public_api_path="/a")(lambda self, y: {})
    assert first.service.full_name == "chutes.types.twice.Twice"
    assert second.service.full_name == "chutes.types.twice_v2.Twice"
    assert "defined differently" in caplog.text


def test_exported_proto_compiles_to_the_same_descriptor(
    tmp_path: pathlib.Path, seeds: types.ModuleType
) -> None:
    # A file that is not in the pool yet, so load_proto_files really compiles the exported text.
    original = build_file("exported", "seeds", list(seeds.chute.python_cords.values()))
    path = tmp_path / original.name
    path.parent.mkdir(parents=True)
    path.write_text(render_file(original))
    (loaded,) = load_proto_files([path], include_dirs=[tmp_path])
    assert _proto(loaded) == original


def test_cli_protos_export(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "my_chute.proto"
    assert main(["protos", "export", SEED_TARGET, "-o", str(out)]) == 0
    assert "service MyChute {" in out.read_text()
    assert main(["protos", "export", "examples/bookstore/chute.py:chute"]) == 1
    assert "export is for chutes whose cords are declared in Python" in capsys.readouterr().err


async def test_reflection_serves_the_synthesized_file(seeds: types.ModuleType) -> None:
    async with serve_chute(seeds.intro) as running:

        def describe() -> tuple[set[str], str]:
            with grpc.insecure_channel(running.server.grpc_target) as channel:
                database = ProtoReflectionDescriptorDatabase(channel)
                pool: Any = descriptor_pool.DescriptorPool(database)
                method = pool.FindServiceByName("chutes.myuser.intro.Intro").methods_by_name["PredictIntro"]
                return set(database.get_services()), method.input_type.fields[0].name

        services, field = await asyncio.to_thread(describe)
    assert "chutes.myuser.intro.Intro" in services
    assert field == "text"


def _proto(file: Any) -> descriptor_pb2.FileDescriptorProto:
    proto = descriptor_pb2.FileDescriptorProto()
    file.CopyToProto(proto)
    return proto


def test_response_shapes() -> None:
    assert Response("x", media_type="text/plain").body == b"x"
    assert Response(b"\x00", headers={"A": "b"}).headers == {"A": "b"}
