"""Write a chute's OpenAPI document, as `GET /openapi.json` serves it, without serving (`make generate`).

    python scripts/openapi.py OUT.json [TARGET]      # TARGET: module:attr or file.py:attr; default the demo

The TypeScript client's types (clients/ts/gen) are generated from this document for the demo chute.
"""

from __future__ import annotations

import json
import pathlib
import sys

from cordwire._target import DEFAULT_TARGET, load_target
from cordwire.gateway import ChuteEndpoint
from cordwire.gateway._openapi import openapi_document


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2:
        print(__doc__, file=sys.stderr)
        return 2
    chute = load_target(argv[1] if len(argv) > 1 else DEFAULT_TARGET)
    # The document only reads the compiled routes; nothing is dispatched, so no dispatcher is needed.
    endpoint = ChuteEndpoint.for_service(chute.service, dispatcher=None, chute_id=chute.chute_id)  # type: ignore[arg-type]
    document = openapi_document([endpoint])
    pathlib.Path(argv[0]).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
