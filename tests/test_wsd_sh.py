"""./wsd.sh: `serve` installs what serving needs, `test` and `setup` the dev extra too.

wsd.sh runs here against stand-ins: a copy of the script and pyproject.toml, a virtual
environment whose programs only log how they were called, and apt-get / sudo that do the same.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Every program wsd.sh runs from the virtual environment.
VENV_PROGRAMS = ("python", "wsd-service", "ruff", "mypy", "lint-imports", "kubernetes-validate", "pytest")


def _stand_in(path: Path, log: Path) -> None:
    path.write_text(f'#!/bin/sh\necho "$(basename "$0") $*" >> {log}\n')
    path.chmod(0o755)


def _checkout(tmp_path: Path) -> tuple[Path, Path]:
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("wsd.sh", "pyproject.toml"):
        shutil.copy2(ROOT / name, repo / name)
    log = tmp_path / "calls.log"
    venv_bin = repo / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    for program in VENV_PROGRAMS:
        _stand_in(venv_bin / program, log)
    system_bin = tmp_path / "system"
    system_bin.mkdir()
    for program in ("apt-get", "sudo"):
        _stand_in(system_bin / program, log)
    return repo, log


def _run(repo: Path, log: Path, *args: str) -> list[str]:
    log.write_text("")
    env = {
        **os.environ,
        "PATH": f"{repo.parent / 'system'}:{os.environ['PATH']}",
        "PYTHON": shutil.which("true") or "/bin/true",  # the system Python: only asked to exist
    }
    env.pop("WSD_VENV", None)
    subprocess.run(["bash", str(repo / "wsd.sh"), *args], env=env, check=True, capture_output=True)
    return log.read_text().splitlines()


def _installs(calls: list[str]) -> list[str]:
    return [call for call in calls if call.startswith("python -m pip install -q -e")]


def test_serve_installs_the_project_without_the_dev_extra_and_test_then_adds_it(tmp_path: Path) -> None:
    repo, log = _checkout(tmp_path)

    calls = _run(repo, log, "serve", "--port", "50052")
    assert _installs(calls) == ["python -m pip install -q -e ."]
    assert calls[-1] == "wsd-service serve --port 50052"  # serve's arguments go to the server

    assert _installs(_run(repo, log, "serve")) == []  # set up once

    calls = _run(repo, log, "test", "-k", "quick")
    assert _installs(calls) == ["python -m pip install -q -e .[dev]"]  # a serve setup is not enough
    assert calls[-1] == "pytest -m not slow -k quick"

    assert _installs(_run(repo, log, "test")) == []
    assert _installs(_run(repo, log, "serve")) == []  # a dev install serves too


def test_setup_installs_the_dev_extra(tmp_path: Path) -> None:
    repo, log = _checkout(tmp_path)
    assert _installs(_run(repo, log, "setup")) == ["python -m pip install -q -e .[dev]"]
    assert _installs(_run(repo, log, "test")) == []
