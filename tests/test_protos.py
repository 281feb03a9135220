"""The committed generated code matches protos/ (scripts/generate_protos.py regenerates it), and
errors cross the wire as google.rpc.Status."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from google.rpc import code_pb2, status_pb2

from wsd_service import InputError, OverloadedError
from wsd_service._core.status import from_status, to_status

ROOT = Path(__file__).resolve().parents[1]


def test_generated_code_is_not_stale() -> None:
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_protos.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr


def test_errors_travel_as_status_with_reason_field_and_retry_hint() -> None:
    sent = OverloadedError("the deadline cannot be met", retry_after=0.25)
    status = to_status(sent)
    assert status.code == code_pb2.RESOURCE_EXHAUSTED and status.message == str(sent)
    received = from_status(status_pb2.Status.FromString(status.SerializeToString()))
    assert type(received) is OverloadedError and received.retry_after == 0.25
    refused = from_status(to_status(InputError("top_k must be positive", field="top_k")))
    assert type(refused) is InputError and refused.field == "top_k" and refused.retry_after is None
