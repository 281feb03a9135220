"""The default index on first start: built by a child process, so that the build's memory
(its peak is about 2.5 GB) goes back to the operating system instead of staying in the server."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import sys
import time
from pathlib import Path

from .._core.config import EncoderConfig
from .._core.errors import SenseIndexError
from .._core.manifest import read_manifest

log = logging.getLogger("wsd_service.server")
_PROGRESS_EVERY = 15.0  # seconds between the child's progress lines in the log


def build_command(out: Path, encoder: EncoderConfig | None) -> list[str]:
    """``wsd-service build-index`` with no corpus (the default index) and the server's encoder."""
    command = [sys.executable, "-m", "wsd_service", "build-index", "--out", str(out)]
    if encoder is not None:
        if encoder.model_dir is not None:
            command += ["--encoder", str(encoder.model_dir)]
        command += ["--layers=" + ",".join(str(layer) for layer in encoder.layers)]
        if encoder.threads:
            command += ["--threads", str(encoder.threads)]
    return command


async def ensure_default_index(out: Path, encoder: EncoderConfig | None) -> None:
    """Build the default index at ``out`` unless it exists in this version's format. One process
    builds at a time (a lock file beside it): workers starting together build it once and the
    others wait for it."""
    if _current(out):
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    with (out.parent / f".{out.name}.lock").open("w") as lock:
        await asyncio.to_thread(fcntl.flock, lock.fileno(), fcntl.LOCK_EX)
        if not _current(out):  # another process may have built it while this one waited
            await build_in_child(out, encoder)


def _current(index: Path) -> bool:
    """Whether a complete index of this version's format is there (an older one is rebuilt)."""
    try:
        read_manifest(index)
    except SenseIndexError:
        return False
    return True


async def build_in_child(out: Path, encoder: EncoderConfig | None) -> None:
    """Run the build; its progress bars (with ETA) reach the log every ``_PROGRESS_EVERY`` s."""
    log.info("no default index of this version yet: building it from WordNet into %s (a few minutes)", out)
    process = await asyncio.create_subprocess_exec(
        *build_command(out, encoder), stderr=asyncio.subprocess.PIPE
    )
    try:
        last = await _relay(process.stderr)
        code = await process.wait()
    finally:
        if process.returncode is None:  # the server is stopping: so is the build
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
    if code != 0:
        raise SenseIndexError(f"building the default index into {out} failed (exit status {code}): {last}")


async def _relay(stream: asyncio.StreamReader | None) -> str:
    """Log the child's progress now and then; return its last line (the error, on failure)."""
    last, logged = "", 0.0
    if stream is None:
        return last
    pending = b""
    while chunk := await stream.read(4096):
        *lines, pending = (pending + chunk).replace(b"\r", b"\n").split(b"\n")
        for line in (text for raw in lines if (text := raw.decode(errors="replace").strip())):
            last = line
            if time.monotonic() - logged >= _PROGRESS_EVERY or not line.startswith("encoding"):
                log.info("default index: %s", line)
                logged = time.monotonic()
    return pending.decode(errors="replace").strip() or last
