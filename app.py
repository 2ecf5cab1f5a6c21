"""Serve the JSON API (/api) and the Gradio chat (/) in one uvicorn process: ``python app.py [--host H] [--port P]``
(the same as ``qa serve``). A thin shell: the app is ``qa.server.main.create_app``, the answering ``qa.answering.pipeline.QA``."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from qa.server.main import serve
from qa.settings import Settings, SettingsError


def main(argv: Sequence[str] | None = None) -> int:
    try:
        settings = Settings()
    except SettingsError as exc:
        print(f"app.py: {exc}", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(prog="app.py", description=__doc__)
    parser.add_argument("--host", default=settings.host, help=f"address to listen on (default {settings.host})")
    parser.add_argument("--port", type=int, default=settings.port, help=f"port (default {settings.port})")
    args = parser.parse_args(argv)
    serve(settings, host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
