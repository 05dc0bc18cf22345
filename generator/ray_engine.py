"""``--engine ray``: the shards of a build on a Ray actor pool; the driver merges and renders.

Each actor loads the model once and prepares the streams (the same segments everywhere: they are
cut from the corpus by index and seed), then runs the shards it is handed as tasks, returning
their states through Ray's object store as safetensors bytes plus JSON (``generator.states``: no
pickle of ours). One actor per GPU with ``--device cuda``, else ``--workers`` CPU actors, each
with its share of the cores as torch threads. An actor process that dies is restarted (it loads
the model again) and its shard re-run (``max_restarts``, ``max_task_retries``); a shard that
fails for good fails the build with the shard and the cause named, before any result is written,
so the previous results and site stay as they were. Ray is imported here only.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import torch

from generator.config import BuildConfig, config_as_dict
from generator.errors import HeadAtlasError
from generator.progress import say
from generator.streams.base import StreamInput
from generator.timings import Timings

RESTARTS = 3
"""Times an actor is restarted and a task on it retried after its process died."""
KILL_ONCE = "HEADATLAS_RAY_KILL_ONCE"
"""Tests only: a path; the first actor to run a batch while it does not exist creates it and
kills its own process (SIGKILL), to check that the build survives a lost actor."""


def worker_settings(config: BuildConfig) -> dict[str, Any]:
    """The config an actor builds its own from: the driver's, run locally."""
    values = {k: v for k, v in config_as_dict(config).items() if v is not None}
    values.update(engine="local")
    values.pop("shard", None)
    return values


class ShardWorker:
    """One actor: the model and the prepared streams, then shards on demand."""

    def __init__(self, settings: dict[str, Any], threads: int, kill_once: str | None) -> None:
        from generator.config import make_config
        from generator.model.loading import load_model
        from generator.pipeline import prepare_streams

        torch.set_num_threads(max(1, threads))
        self.config = make_config(settings)
        self.kill_once = kill_once
        config = self.config
        self.timings = Timings()
        self.lm = load_model(config.model, device=config.device, precision=config.precision,
                             trust_remote_code=config.trust_remote_code, bos=config.bos,
                             decoders=True)
        self.prepared, self.seconds = prepare_streams(config, self.lm, self.timings)

    def run(self, index: int, count: int) -> tuple[bytes, Any]:
        """Shard ``index`` of ``count``: its states as (safetensors bytes, JSON structure)."""
        from generator.pipeline import stream_states
        from generator.shards import Shard
        from generator.states import to_bytes

        states = stream_states(self.prepared, self.lm, self.config, Timings(), self.seconds,
                               shard=Shard(index, count), on_batch=self._maybe_die)
        return to_bytes(states)

    def _maybe_die(self) -> None:
        if self.kill_once is None:
            return
        marker = Path(self.kill_once)
        try:
            marker.touch(exist_ok=False)
        except FileExistsError:
            return
        os.kill(os.getpid(), signal.SIGKILL)


def actor_count(config: BuildConfig, resources: dict[str, float]) -> int:
    """``--workers``, or one actor per GPU with ``--device cuda``, else 2."""
    if config.workers:
        return config.workers
    if config.device == "cuda":
        return max(1, int(resources.get("GPU", 0)))
    return 2


def run_ray(config: BuildConfig, lm: Any, prepared: dict[str, StreamInput],
            timings: Timings) -> list[dict[str, Any]]:
    """Every shard's states (``pipeline.stream_states``), in shard order, from a Ray pool."""
    try:
        import ray
        from ray.exceptions import RayError
    except ImportError:
        raise HeadAtlasError('--engine ray needs Ray: pip install "headatlas[ray]" '
                             "(or pip install ray)") from None
    from generator.states import from_bytes

    started = False
    if not ray.is_initialized():
        with timings.stage("start ray"):
            ray.init(address=config.ray_address, include_dashboard=False,
                     log_to_driver=False)
        started = True
    try:
        resources = ray.cluster_resources()
        workers = actor_count(config, resources)
        cuda = config.device == "cuda"
        cpus = float(resources.get("CPU", 1))
        threads = max(1, int(cpus) // workers)
        say(f"ray: {workers} actors ({'1 GPU' if cuda else f'{threads} CPU threads'} each), "
            f"{workers} shards")
        # more actors than CPUs: each reserves its fraction, so all of them start
        actor = ray.remote(num_cpus=0 if cuda else min(threads, cpus / workers),
                           num_gpus=1 if cuda else 0,
                           max_restarts=RESTARTS, max_task_retries=RESTARTS)(ShardWorker)
        pool = [actor.remote(worker_settings(config), threads, os.environ.get(KILL_ONCE))
                for _ in range(workers)]
        refs = [pool[k % workers].run.remote(k, workers) for k in range(workers)]
        shards: list[dict[str, Any]] = []
        with timings.stage("ray shards"):
            for k, ref in enumerate(refs):
                try:
                    tensor_bytes, structure = ray.get(ref)
                except RayError as exc:
                    cause = _cause(exc)
                    raise HeadAtlasError(f"shard {k} of {workers} failed on Ray: {cause}"
                                         ) from None
                shards.append(from_bytes(tensor_bytes, structure))
        for handle in pool:
            ray.kill(handle)
        return shards
    finally:
        if started:
            ray.shutdown()


def _cause(exc: BaseException) -> str:
    """A failed task's cause on one line: the exception raised in the actor when there is one
    (``RayTaskError.cause``), else the last line of Ray's message (e.g. the actor died)."""
    inner = getattr(exc, "cause", None)
    if isinstance(inner, BaseException):
        return f"{type(inner).__name__}: {' '.join(str(inner).split())}"[:300]
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return (lines[-1] if lines else type(exc).__name__)[:300]
