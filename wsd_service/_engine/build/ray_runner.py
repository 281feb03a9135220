"""The build's encode jobs on a Ray cluster (Ray Data): the same jobs and sums as the local run.

The driver turns every source into plain-data jobs (``sources``) and hands them to Ray Data;
an actor pool of encoders (one per actor, its threads set explicitly: Ray sets
``OMP_NUM_THREADS`` from an actor's CPUs) turns each block of jobs into per-key partial sums and
counts, and the driver merges them. Workers read nothing from the driver's disk: the jobs carry
their words, and the encoder is the one installed with the package on every node.

Actors ask for half a CPU each: a pool that claims every CPU leaves none for Ray Data's own read
tasks and never finishes (ray-project/ray#44687).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import ray

from ..._core.config import EncoderConfig
from ..._core.errors import WsdError
from ..._util.cpus import available_cpus
from ..encoding.encoder import Encoder
from ..store.centroids import Centroids
from .sources import EncodeJob, encode_jobs

_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # Ray colours its messages
_CPUS_PER_ACTOR = 0.5
_BLOCK_JOBS = 256  # jobs per map_batches call: a few seconds of encoding


class _PartialSums:
    """A Ray actor: one encoder, per-key partial sums for each block of jobs."""

    def __init__(self, config: EncoderConfig) -> None:
        self._encoder = Encoder(config)

    def __call__(self, batch: dict[str, np.ndarray[Any, Any]]) -> dict[str, Any]:
        by_kind: dict[str, list[EncodeJob]] = {}
        for kind, words, keys, positions, with_mean in zip(
            batch["kind"], batch["words"], batch["keys"], batch["positions"], batch["with_mean"], strict=True
        ):
            job = EncodeJob(
                tuple(words), tuple(zip(keys, (int(p) for p in positions), strict=True)), bool(with_mean)
            )
            by_kind.setdefault(str(kind), []).append(job)
        rows: dict[str, list[Any]] = {"kind": [], "key": [], "sum": [], "count": []}
        for kind, jobs in by_kind.items():
            dimension = self._encoder.dimension
            sums = encode_jobs(jobs, self._encoder.encode, dimension, len(jobs), kind, show=False)
            for key, total, count in sums.partials():
                rows["kind"].append(kind)
                rows["key"].append(key)
                rows["sum"].append(total)
                rows["count"].append(count)
        return {
            "kind": rows["kind"],
            "key": rows["key"],
            "sum": np.stack(rows["sum"]) if rows["sum"] else np.zeros((0, 1)),
            "count": rows["count"],
        }


def _cause(error: Exception) -> str:
    """The worker's own error line out of Ray's wrapping (its traceback is in the message)."""
    lines = [_ANSI.sub("", line).strip() for line in str(error).splitlines()]
    raised = [line for line in lines if re.match(r"^[\w.]*(Error|Exception): ", line)]
    return raised[-1] if raised else lines[0]


def connect(address: str) -> None:
    """Start a local Ray on this process's CPUs ("local"), or join the cluster at ``address``."""
    if address == "local":
        ray.init(num_cpus=available_cpus(), include_dashboard=False, log_to_driver=False)
    else:
        ray.init(address=address, log_to_driver=False)


def ray_encode(
    jobs: Mapping[str, Sequence[EncodeJob]], config: EncoderConfig, dimension: int, actors: int | None = None
) -> tuple[dict[str, Centroids], dict[str, Any]]:
    """Sums by kind of job (as ``encode_jobs`` gives them), and what ran them (the manifest's).
    ``actors``: encoders in the pool; None, one per CPU of the cluster."""
    cpus = int(ray.cluster_resources().get("CPU", 0))  # type: ignore[no-untyped-call]
    if cpus < 1:
        raise WsdError("the Ray cluster has no CPUs to encode with")
    actors = actors or cpus
    items = [
        {
            "kind": kind,
            "words": list(job.words),
            "keys": [key for key, _ in job.targets],
            "positions": [position for _, position in job.targets],
            "with_mean": job.with_mean,
        }
        for kind, found in jobs.items()
        for job in found
    ]
    result = {kind: Centroids(dimension) for kind in jobs}
    if items:
        partials = ray.data.from_items(items).map_batches(
            _PartialSums,
            fn_constructor_kwargs={"config": config},
            batch_size=_BLOCK_JOBS,
            compute=ray.data.ActorPoolStrategy(size=actors),
            num_cpus=_CPUS_PER_ACTOR,
        )
        try:
            for batch in partials.iter_batches(batch_size=None, batch_format="numpy"):
                for kind, key, total, count in zip(
                    batch["kind"], batch["key"], batch["sum"], batch["count"], strict=True
                ):
                    result[str(kind)].add_sum(str(key), total, int(count))
        except Exception as error:  # a worker's failure ends the build, naming it
            raise WsdError(f"the Ray build failed: {_cause(error)}") from None
    nodes = len([n for n in ray.nodes() if n.get("Alive")])  # type: ignore[no-untyped-call]
    return result, {"ray": {"nodes": nodes, "cpus": cpus, "actors": actors}}
