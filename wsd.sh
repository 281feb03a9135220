#!/usr/bin/env bash
# One entry point for people and CI:
#   ./wsd.sh serve   set up what serving needs (first run), then start the server (gRPC on
#                    127.0.0.1:50051, HTTP/JSON and the page on 127.0.0.1:8080) with the default
#                    index (built from WordNet on first start); extra args go to serve
#   ./wsd.sh test    set up with the dev extra (first run), then lint, type-check and run the tests
#   ./wsd.sh setup   only set up, as for the tests: Debian's WordNet and Chromium, a .venv with
#                    CPU torch and the project with its dev extra
set -euo pipefail
cd "$(dirname "$0")"

VENV=${WSD_VENV:-.venv}
PY=${PYTHON:-python3}
TORCH_VERSION=2.13.0  # a CPU build; plain "torch" would pull a multi-GB CUDA build

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

setup_system() {
  # $1: serve or dev; the tests also drive the page in Debian's Chromium
  local need=()
  [ -f /usr/share/wordnet/data.noun ] || need+=(wordnet-base)
  if [ "$1" = dev ]; then
    command -v chromium >/dev/null || need+=(chromium)
    command -v chromedriver >/dev/null || need+=(chromium-driver)
  fi
  command -v "$PY" >/dev/null || need+=(python3)
  "$PY" -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
  if [ ${#need[@]} -gt 0 ]; then
    echo "==> installing Debian packages: ${need[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
  fi
}

setup_python() {
  # $1: serve (the project alone) or dev (the project with its dev extra: tests, linters, Ray,
  # spaCy, ...). The stamp records which was installed; a dev install serves too.
  local kind=$1 stamp="$VENV/.wsd-setup" hash have
  hash="$(cat pyproject.toml wsd.sh | sha256sum | cut -c1-16)"
  have="$(cat "$stamp" 2>/dev/null || true)"
  if [ "$have" = "$hash $kind" ] || [ "$have" = "$hash dev" ]; then return; fi
  echo "==> creating $VENV and installing the project ($kind)"
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  # torch first, pinned, so that the project's own "torch" requirement is already satisfied
  "$VENV/bin/python" -m pip install -q "torch==$TORCH_VERSION"
  if [ "$kind" = dev ]; then
    "$VENV/bin/python" -m pip install -q -e '.[dev]'
  else
    "$VENV/bin/python" -m pip install -q -e .
  fi
  echo "$hash $kind" > "$stamp"
}

setup() { setup_system "$1"; setup_python "$1"; }

run_tests() {
  "$VENV/bin/ruff" check .
  "$VENV/bin/ruff" format --check .
  "$VENV/bin/mypy"
  "$VENV/bin/lint-imports" --no-cache  # the layer contracts in pyproject.toml
  "$VENV/bin/python" scripts/lint_protos.py  # buf lint: DEFAULT and COMMENTS rules
  "$VENV/bin/kubernetes-validate" --strict --quiet deploy/kubernetes/*.yaml
  # pytest exits 5 when it collected nothing: that is a failure here too
  "$VENV/bin/pytest" -m "not slow" "$@"
}

serve() {
  # With no --index the server serves sense_index/default, building it on first start.
  exec "$VENV/bin/wsd-service" serve "$@"
}

command=${1:-}
shift || true
case "$command" in
  setup) setup dev ;;
  test) setup dev; run_tests "$@" ;;
  serve) setup serve; serve "$@" ;;
  *) echo "usage: ./wsd.sh setup | test [pytest args] | serve [serve options]" >&2; exit 2 ;;
esac
