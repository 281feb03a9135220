"""Deployment files agree with the server they deploy (kubernetes-validate --strict checks their
schema in ./wsd.sh test; no cluster or Docker engine runs here)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from wsd_service.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
MANIFESTS = ROOT / "deploy" / "kubernetes"


def _load(name: str) -> Any:
    return yaml.safe_load((MANIFESTS / name).read_text())


def _option(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


def test_shutdown_fits_the_termination_grace_period() -> None:
    pod = _load("deployment.yaml")["spec"]["template"]["spec"]
    [container] = pod["containers"]
    args = container["args"]
    build_parser().parse_args(args)  # every argument is one the server takes
    pre_stop = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    drain = pre_stop + float(_option(args, "--drain-delay")) + float(_option(args, "--grace"))
    assert drain < pod["terminationGracePeriodSeconds"]


def test_probes_ask_the_service_health_and_run_as_non_root() -> None:
    pod = _load("deployment.yaml")["spec"]["template"]["spec"]
    [container] = pod["containers"]
    for probe in ("startupProbe", "readinessProbe"):
        assert container[probe]["grpc"] == {"port": 50051, "service": "wsd.v1.WsdService"}
    assert pod["securityContext"]["runAsNonRoot"] and container["securityContext"]["readOnlyRootFilesystem"]
    assert {"name": "index", "mountPath": "/index", "readOnly": True} in container["volumeMounts"]
    assert _load("service.yaml")["spec"]["clusterIP"] == "None"  # headless: clients balance


def test_the_jobs_train_then_build_with_the_trained_encoder_whose_bundle_the_replicas_read() -> None:
    [train] = _load("train-encoder-job.yaml")["spec"]["template"]["spec"]["containers"]
    [build] = _load("build-index-job.yaml")["spec"]["template"]["spec"]["containers"]
    [serve] = _load("deployment.yaml")["spec"]["template"]["spec"]["containers"]
    for container in (train, build):
        build_parser().parse_args(container["args"])
    assert _option(build["args"], "--encoder") == _option(train["args"], "--out")
    assert _option(serve["args"], "--index") == _option(build["args"], "--out")
    [cache] = build["env"]
    assert cache["name"] == "WSD_CACHE_DIR" and cache in serve["env"] and cache["value"].startswith("/index/")


def test_the_image_installs_the_torch_that_wsd_sh_pins() -> None:
    pinned = re.search(r"^TORCH_VERSION=(\S+)", (ROOT / "wsd.sh").read_text(), re.M)
    assert pinned is not None
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert f"torch=={pinned.group(1)}" in dockerfile and "download.pytorch.org/whl/cpu" in dockerfile
    assert re.search(r"^USER 10001$", dockerfile, re.M)


def test_the_http_port_is_exposed_where_the_server_listens() -> None:
    [container] = _load("deployment.yaml")["spec"]["template"]["spec"]["containers"]
    port = int(_option(container["args"], "--http-port"))
    assert {"name": "http", "containerPort": port} in container["ports"]
    service_ports = {p["name"]: p for p in _load("service.yaml")["spec"]["ports"]}
    assert service_ports["http"]["targetPort"] == "http"
    assert re.search(rf"^EXPOSE .*\b{port}\b", (ROOT / "Dockerfile").read_text(), re.M)
