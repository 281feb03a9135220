"""Regenerate the committed Python code for protos/ (run after editing a .proto file):

.venv/bin/python scripts/generate_protos.py          # write wsd_service/_proto/
.venv/bin/python scripts/generate_protos.py --check  # exit 1 when the committed code is stale
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
from pathlib import Path

from google.rpc import status_pb2
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"
PACKAGE = "wsd_service/_proto"  # the generated modules import each other under this prefix


def generate(out: Path) -> list[Path]:
    sources = sorted(PROTOS.rglob("*.proto"))
    include = Path(protoc.__file__).parent / "_proto"  # google/protobuf/*.proto
    googleapis = Path(status_pb2.__file__).parents[2]  # google/rpc/*.proto (googleapis-common-protos)
    arguments = [
        "protoc",
        f"-I{PACKAGE}={PROTOS}",
        f"-I{include}",
        f"-I{googleapis}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        *(f"{PACKAGE}/{p.relative_to(PROTOS)}" for p in sources),
    ]
    if protoc.main(arguments) != 0:
        raise SystemExit("protoc failed")
    generated = sorted(p.relative_to(out) for p in (out / PACKAGE).rglob("*.py*"))
    folders = {parent for p in generated for parent in p.parents if parent.is_relative_to(PACKAGE)}
    for folder in folders:
        init = out / folder / "__init__.py"
        init.parent.mkdir(parents=True, exist_ok=True)
        init.touch()
    return sorted(p.relative_to(out) for p in (out / PACKAGE).rglob("*.py*"))


def stale_files() -> list[str]:
    with tempfile.TemporaryDirectory() as temporary:
        fresh = Path(temporary)
        names = generate(fresh)
        return [
            str(n)
            for n in names
            if not (ROOT / n).is_file() or not filecmp.cmp(fresh / n, ROOT / n, shallow=False)
        ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    if parser.parse_args().check:
        stale = stale_files()
        for name in stale:
            print(f"stale: {name}; run scripts/generate_protos.py", file=sys.stderr)
        return 1 if stale else 0
    for name in generate(ROOT):
        print(f"wrote {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
