"""The OpenAPI 3.1 document the gateway serves, checked against the spec and against the protos."""

from __future__ import annotations

import re
from typing import Any

import pytest

from cordwire.gateway import Gateway
from cordwire.gateway._openapi import openapi_document

from .conftest import MAIN, OTHER, Chutes, client_for

PKG = "#/components/schemas/cordwire.testing.transcoding.v1."


@pytest.fixture
async def doc(chutes: Chutes, mode: str) -> dict[str, Any]:
    """The document as served by the one-chute gateway of ``mode``."""
    async with client_for(chutes.gateways[f"{mode}/single"]) as client:
        response = await client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document: dict[str, Any] = response.json()
    return document


def test_document_is_valid_openapi_3_1(chutes: Chutes) -> None:
    # Once, not per mode: the routes, and so the document, are the same in both.
    validator = pytest.importorskip("openapi_spec_validator")
    document = openapi_document(list(chutes.gateways["in_process/single"].endpoints.values()))
    assert document["openapi"] == "3.1.0"
    validator.validate(document)


async def test_several_chutes_are_listed_under_their_prefix(chutes: Chutes, mode: str) -> None:
    gateway: Gateway = chutes.gateways[mode]
    async with client_for(gateway) as client:
        served = (await client.get("/openapi.json")).json()
    assert served == openapi_document(list(gateway.endpoints.values()))
    assert f"/chutes/{MAIN}/v1/search" in served["paths"]
    assert f"/chutes/{OTHER}/v1/search" in served["paths"]
    operation_ids = [op["operationId"] for ops in served["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))


def test_multi_segment_variable_is_one_parameter_with_its_pattern(doc: dict[str, Any]) -> None:
    (param,) = doc["paths"]["/v1/{name}"]["get"]["parameters"]
    assert param["in"] == "path" and param["required"] is True
    assert param["schema"] == {"type": "string", "pattern": "^shelves/[^/]+/books/[^/]+$"}
    assert "shelves/*/books/*" in param["description"]
    assert doc["paths"]["/v1/files/{path}:download"]["get"]["parameters"][0]["schema"]["pattern"] == "^.*$"
    assert set(doc["paths"]["/v1/{name}"]) == {"get", "delete"}  # one path, two methods
    nested = doc["paths"]["/v1/{book.name}"]["patch"]["parameters"]
    assert [(p["name"], p["in"]) for p in nested] == [("book.name", "path"), ("update_mask", "query")]


def test_query_parameters_are_the_unbound_fields(doc: dict[str, Any]) -> None:
    params = {p["name"]: p for p in doc["paths"]["/v1/search"]["get"]["parameters"]}
    assert {p["in"] for p in params.values()} == {"query"}
    assert params["limit"]["schema"] == {"type": "integer", "format": "int32"}
    assert params["colors"]["schema"] == {"type": "array", "items": {"$ref": PKG[:-1] + ".Color"}}
    assert params["ids"]["schema"]["items"]["type"] == "string"  # int64 as a string
    assert "filter.author.display_name" in params  # nested message fields by dotted name
    assert not {"filter", "labels", "extra", "examples"} & params.keys()  # no text form
    shelf = doc["paths"]["/v1/shelves/{shelf_id}/numbered/{book_id}"]["get"]["parameters"]
    assert [p["name"] for p in shelf] == ["shelf_id", "book_id", "view"]
    assert "parameters" not in doc["paths"]["/v1/completions"]["post"]  # body "*": nothing left


def test_bodies_and_answers(doc: dict[str, Any]) -> None:
    paths = doc["paths"]
    create = paths["/v1/{parent}/books"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {"$ref": PKG + "Book"}
    assert "*/*" in paths["/v1/echo:raw"]["post"]["requestBody"]["content"]
    assert "*/*" in paths["/v1/uploads/{path}"]["post"]["requestBody"]["content"]
    answers = {p: ops[next(iter(ops))]["responses"]["200"]["content"] for p, ops in paths.items()}
    assert list(answers["/v1/{name}/thumbnail"]) == ["image/png"]  # the cord's output_content_type
    assert list(answers["/v1/echo:raw"]) == ["application/octet-stream"]
    assert answers["/v1/{parent}/titles"]["application/json"]["schema"]["type"] == "array"  # response_body
    assert set(answers["/v1/stream"]) == {"text/event-stream", "application/x-ndjson"}
    assert answers["/v1/stream"]["text/event-stream"]["x-event"] == {"$ref": PKG + "StreamEvent"}
    # The stream_selector twin: JSON by default, events when `stream` is true.
    assert set(answers["/v1/completions"]) == {
        "application/json",
        "text/event-stream",
        "application/x-ndjson",
    }
    for ops in paths.values():
        for op in ops.values():
            error = op["responses"]["default"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/Error"}
    assert doc["components"]["schemas"]["Error"]["required"] == ["error"]


def test_schemas_follow_the_proto3_json_mapping(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    book = schemas["cordwire.testing.transcoding.v1.Book"]["properties"]
    assert book["page_count"]["type"] == "string" and book["page_count"]["description"] == (
        "Also accepted as `pageCount`."
    )  # proto names documented, lowerCamel mentioned
    assert book["published"] == {"type": "string", "format": "date-time"}
    assert book["labels"] == {"type": "object", "additionalProperties": {"type": "string"}}
    assert book["author"] == {"$ref": PKG + "Author"}
    assert schemas["cordwire.testing.transcoding.v1.Color"]["enum"] == [
        "COLOR_UNSPECIFIED",
        "COLOR_RED",
        "COLOR_BLUE",
    ]
    search = schemas["cordwire.testing.transcoding.v1.SearchRequest"]["properties"]
    assert search["within"]["type"] == "string" and "pattern" in search["within"]
    assert search["fields"]["type"] == "string"
    assert search["min_pages"]["type"] == ["integer", "null"]
    assert search["note"]["type"] == ["string", "null"]
    assert search["extra"] == {"type": "object", "additionalProperties": True}
    assert search["token"]["contentEncoding"] == "base64"
    assert search["big"]["format"] == "uint64"


async def test_docs_page_loads_only_from_the_gateway(chutes: Chutes, mode: str) -> None:
    async with client_for(chutes.gateways[f"{mode}/single"]) as client:
        response = await client.get("/docs")
        page = response.text
        links = re.findall(r'(?:src|href)="([^"]+)"', page) + re.findall(r'url: "([^"]+)"', page)
        fetched = [await client.get(f"/{link}") for link in links]
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    # No CDN: everything the page needs is relative to it, and the gateway serves each of it.
    assert "http://" not in page and "https://" not in page
    assert set(links) == {
        "docs/assets/favicon-32x32.png",
        "docs/assets/swagger-ui.css",
        "docs/assets/swagger-ui-bundle.js",
        "openapi.json",
    }
    assert [r.status_code for r in fetched] == [200] * len(links)
