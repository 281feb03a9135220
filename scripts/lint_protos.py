"""Lint protos/ with buf (the DEFAULT and COMMENTS rule sets of the committed buf.yaml).

.venv/bin/python scripts/lint_protos.py

buf resolves imports from modules it can see; google/rpc/*.proto comes from the installed
googleapis-common-protos, so the lint runs in a temporary workspace holding protos/ and those
files as a second module that is not linted (no network, no buf registry).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from google.rpc import status_pb2

ROOT = Path(__file__).resolve().parent.parent
GOOGLEAPIS = Path(status_pb2.__file__).parents[2]
IMPORTED = ("google/rpc/status.proto",)  # what protos/ imports from googleapis


def _buf() -> str:
    return shutil.which("buf", path=str(Path(sys.executable).parent)) or "buf"


def main() -> int:
    with tempfile.TemporaryDirectory() as temporary:
        workspace = Path(temporary)
        shutil.copytree(ROOT / "protos", workspace / "protos")
        for name in IMPORTED:
            (workspace / "third_party" / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(GOOGLEAPIS / name, workspace / "third_party" / name)
        # The committed configuration, plus googleapis as a module that is read but not linted.
        config = (ROOT / "buf.yaml").read_text(encoding="utf-8")
        config = config.replace("  - path: protos\n", "  - path: protos\n  - path: third_party\n")
        (workspace / "buf.yaml").write_text(config + "  ignore:\n    - third_party\n", encoding="utf-8")
        lint = subprocess.run([_buf(), "lint"], cwd=workspace, check=False)
    return lint.returncode


if __name__ == "__main__":
    sys.exit(main())
