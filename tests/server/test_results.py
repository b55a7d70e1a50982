"""A handler's dict result becomes the same message whichever conversion path takes it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from google.protobuf import json_format

from cordwire import Chute
from cordwire.server._invoke import _HandlerBug, _to_message

RESULTS = [
    ({"name": "n", "title": "t", "page_count": 3}, "proto names, native values"),
    ({"name": "n", "pageCount": "3"}, "lowerCamel key and int64 as a string"),
    ({"genre": "GENRE_SCIENCE"}, "enum by name"),
    ({"genre": 2}, "enum by number"),
    ({"published": "2024-01-02T03:04:05Z"}, "Timestamp in its JSON form"),
    ({"title": None}, "null is the default"),
    ({}, "empty"),
]


@pytest.mark.parametrize(("result", "why"), RESULTS, ids=[why for _, why in RESULTS])
def test_dict_result_matches_json_format(bookstore: Chute, result: dict[str, Any], why: str) -> None:
    cord = bookstore.cords()["GetBook"]
    expected = json_format.ParseDict(result, cord.output_class())
    assert _to_message(cord, result) == expected


@pytest.mark.parametrize(
    "result", [{"nope": 1}, {"page_count": "many"}, {"genre": "GENRE_NOPE"}], ids=["unknown", "type", "enum"]
)
def test_a_dict_that_fits_neither_path_is_a_handler_bug(bookstore: Chute, result: dict[str, Any]) -> None:
    with pytest.raises(_HandlerBug, match=r"not a bookstore\.v1\.Book"):
        _to_message(bookstore.cords()["GetBook"], result)


def test_native_python_forms_are_accepted_too(bookstore: Chute) -> None:
    cord = bookstore.cords()["GetBook"]
    message = _to_message(cord, {"published": {"seconds": 5}})
    assert message.published.seconds == 5  # type: ignore[attr-defined]
    moment = datetime.datetime(2024, 1, 2, tzinfo=datetime.UTC)
    assert _to_message(cord, {"published": moment}).published.ToDatetime(datetime.UTC) == moment  # type: ignore[attr-defined]
