"""Design-space sweeps: one base scenario, a grid (or list) of overrides by field path, one
``socsim run`` per point, results gathered into one table.

A sweep file (YAML)::

    name: bus_vs_codec
    base: fcn8s_automotive.yaml        # scenario, relative to the sweep file
    set: {frames: 1}                   # overrides applied to every point (optional)
    grid:                              # cartesian product (or `points:`, a list of mappings)
      soc.bus.width_bytes: [16, 32, 64]
      codec: [none, rle, "dct:keep=21"]
    metric: latency_ms_max             # the column the plot shows

Field paths use dots and list indices (``masters[0].rate_gbps``). Every point is validated like
a scenario before anything runs. Workers return each point's result and this process writes it
into ``<out>/points/<id>/`` (atomically; the table's ``point`` column is that folder's name), so a
worker needs no disk shared with the client, only the scenario's input files (none for random
weights and skimage images). A rerun skips points whose result is already there, so an interrupted
sweep resumes. Activations are captured once per distinct workload before the points are
dispatched, into this machine's activation cache (local workers share it; a remote worker fills
its own). Executors: ``local`` (a process pool) or ``dask`` (dask.distributed; an in-process
LocalCluster unless a scheduler address is given).
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import os
from pathlib import Path
from typing import Any, Callable, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from socsim.errors import Overloaded, ResultError, ScenarioError, SocsimError
from socsim.fieldpath import set_path
from socsim.fileio import staged_folder
from socsim.limits import FileName
from socsim.model.overload import Overload
from socsim.report.export import write_bytes, write_text
from socsim.result import RunResult, load_result
from socsim.scenario import Scenario, load_yaml, validation_message

ROW_METRICS = (
    "latency_ms_max", "latency_ms_mean", "deadline_met_all", "dram_bytes_per_frame_mean", "bus_utilization",
    "dram_utilization",
)
METRICS = ROW_METRICS + ("wcrt_bound_ms",)
"""Every column a sweep can plot."""


class SweepSpec(BaseModel):
    """A sweep: base scenario, overrides for every point, and the grid or list of points."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    name: FileName
    """Sweep name, used for the default output folder."""
    base: str
    """Base scenario file, relative to the sweep file."""
    set: dict[str, Any] = {}
    """Field path → value applied to every point."""
    grid: dict[str, list[Any]] | None = None
    """Field path → values; the points are their cartesian product."""
    points: list[dict[str, Any]] | None = None
    """Explicit points: each a mapping of field path → value."""
    metric: str = "latency_ms_max"
    """Column shown in the sweep's plot."""

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, metric: str) -> str:
        if metric not in METRICS:
            raise ValueError(f"unknown metric (known: {', '.join(METRICS)})")
        return metric

    @model_validator(mode="after")
    def _one_of(self) -> "SweepSpec":
        if (self.grid is None) == (self.points is None):
            raise ValueError("give exactly one of grid or points")
        if self.grid is not None and any(len(v) == 0 for v in self.grid.values()):
            raise ValueError("every grid field needs at least one value")
        return self

    def expand(self) -> list[dict[str, Any]]:
        """The override mapping of every point, in order."""
        if self.points is not None:
            return [dict(p) for p in self.points]
        keys = list(self.grid)
        return [dict(zip(keys, combo)) for combo in itertools.product(*(self.grid[k] for k in keys))]


def point_id(overrides: dict[str, Any]) -> str:
    """Stable id of a point from its overrides."""
    return hashlib.sha256(json.dumps(overrides, sort_keys=True, default=str).encode()).hexdigest()[:12]


class Sweep:
    """A loaded and validated sweep: base scenario data plus the scenario data of every point."""

    def __init__(self, path: Path):
        self.path = Path(path)
        raw = load_yaml(self.path, "sweep")
        try:
            self.spec = SweepSpec.model_validate(raw)
        except ValidationError as exc:
            raise ScenarioError(validation_message(exc)) from None
        base_path = (self.path.parent / self.spec.base).resolve()
        base = load_yaml(base_path, "base")
        base["base_dir"] = str(base_path.parent)
        for key, value in self.spec.set.items():
            set_path(base, key, value)
        self.points: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        for i, overrides in enumerate(self.spec.expand()):
            data = copy.deepcopy(base)
            for key, value in overrides.items():
                set_path(data, key, value)
            try:
                Scenario.from_dict(data)
            except ScenarioError as exc:
                where = f"point {i} {json.dumps(overrides, default=str)}"
                raise ScenarioError("\n".join(f"{where}: {line}" for line in str(exc).splitlines())) from None
            self.points.append((point_id(overrides), overrides, data))


def run_point(data: dict[str, Any], overrides: dict[str, Any]) -> tuple[str, str]:
    """Run one point (in a worker, which shares no disk with the client) and return ("result", its
    ``result.json`` text) or, when a verdict replaced the simulation, ("verdict", its ``verdict.json``
    text); the client writes the point's folder."""
    from socsim.pipeline import run_scenario
    from socsim.report.export import result_json

    scenario = Scenario.from_dict(data)
    try:
        return "result", result_json(run_scenario(scenario).result.with_sweep_point(overrides))
    except Overloaded as exc:
        return "verdict", json.dumps({"sweep_point": overrides, "verdict": exc.verdict.to_json()},
                                     default=str, allow_nan=False, indent=2)


def verdict_row(verdict: Overload, overrides: dict[str, Any], pid: str) -> dict[str, Any]:
    """The sweep table row of a point whose simulation a verdict replaced: its id, its overrides and
    the verdict in words, without metrics."""
    row: dict[str, Any] = {"point": pid}
    row.update({k: (json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in overrides.items()})
    row["verdict"] = str(verdict)
    return row


def load_verdict(path: Path) -> tuple[Overload, Any]:
    """(verdict, sweep point) of a point's ``verdict.json``; ResultError when missing or malformed."""
    try:
        doc = json.loads(path.read_text())
        return Overload.from_json(doc["verdict"]), doc["sweep_point"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ResultError(f"{path}: not a sweep point's verdict ({type(exc).__name__})") from None


def row_of(result: RunResult, overrides: dict[str, Any], pid: str) -> dict[str, Any]:
    """The sweep table row of one point's result: its id (``pid``, the name of its folder under
    ``points/``), its overrides, its metrics."""
    frames = result.frames
    row: dict[str, Any] = {"point": pid}
    row.update({k: (json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in overrides.items()})
    row.update(
        {
            "verdict": None,
            "latency_ms_max": result.summary.latency_ms_max,
            "latency_ms_mean": result.summary.latency_ms_mean,
            "deadline_met_all": result.summary.deadline_met_all,
            "dram_bytes_per_frame_mean": sum(f.dram_read_bytes + f.dram_write_bytes for f in frames) / len(frames),
            "bus_utilization": result.bus.utilization,
            "dram_utilization": result.dram.utilization,
        }
    )
    if result.bound is not None:
        row["wcrt_bound_ms"] = result.bound.wcrt_bound_ms
    return row


def _finished(point_dir: Path, overrides: dict[str, Any]) -> dict[str, Any] | None:
    """The row of a point already run (or given its verdict) with these overrides, or None when it
    must run (again)."""
    expected = json.loads(json.dumps(overrides, default=str))
    try:
        outcome = point_outcome(point_dir)
    except ResultError:
        return None
    if isinstance(outcome, Overload):
        return verdict_row(outcome, overrides, point_dir.name) if load_verdict(point_dir / "verdict.json")[1] == expected else None
    if outcome.sweep_point != expected:
        return None
    return row_of(outcome, overrides, point_dir.name)


def point_outcome(point_dir: Path) -> RunResult | Overload:
    """A point's result, or the verdict that replaced its simulation, read from its folder."""
    if (point_dir / "verdict.json").exists():
        return load_verdict(point_dir / "verdict.json")[0]
    return load_result(point_dir / "result.json")


def point_results(sweep: Sweep, out_dir: Path) -> list[tuple[str, RunResult | Overload]]:
    """(point id, result or verdict) of every point of a finished sweep, read from its folder, in point order."""
    return [(pid, point_outcome(out_dir / "points" / pid)) for pid, _, _ in sweep.points]


def prepare_workloads(sweep: Sweep, todo: list[tuple[str, dict, dict]]) -> int:
    """Capture activations once per distinct workload (all its points' codecs at once); returns
    the number of distinct workloads."""
    from socsim.codecs.registry import get_codec
    from socsim.workload.activations import load_workload

    groups: dict[str, tuple[Scenario, dict[str, Any]]] = {}
    for _, _, data in todo:
        s = Scenario.from_dict(data)
        key = json.dumps(
            [s.workload.model_dump(), s.seed, s.frames, s.codec.transfer_unit.model_dump(), s.base_dir,
             s.run.cache_dir],
            sort_keys=True,
        )
        codec = get_codec(s.codec.name, dict(s.codec.params))
        scen, codecs = groups.setdefault(key, (s, {}))
        codecs[codec.key] = codec
    for scen, codecs in groups.values():
        load_workload(scen, list(codecs.values()))
    return len(groups)


def run_sweep(
    sweep: Sweep,
    out_dir: Path,
    executor: Literal["local", "dask"] = "local",
    workers: int = 2,
    scheduler: str | None = None,
    on_point: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """Run every unfinished point and return all rows in point order. Workers return each point's
    result; this process writes its folder ``<out_dir>/points/<id>/`` (``out_dir`` made absolute).
    A point whose chip cannot serve what it asks (``Overloaded``) is a row with that verdict in its
    ``verdict`` column and no metrics, its folder holding ``verdict.json``; the sweep goes on."""
    from socsim.report.export import write_result

    out_dir = Path(out_dir).resolve()
    rows: dict[str, dict[str, Any]] = {}
    todo = []
    for pid, overrides, data in sweep.points:
        done = _finished(out_dir / "points" / pid, overrides)
        if done is not None:
            rows[pid] = done
        else:
            todo.append((pid, overrides, data))
    total = len(sweep.points)
    if on_point:
        on_point(len(rows), total)
    if todo:
        prepare_workloads(sweep, todo)
        jobs = [(data, overrides) for _, overrides, data in todo]

        def done(i: int, outcome: tuple[str, str]) -> None:
            pid, overrides, _ = todo[i]
            kind, text = outcome
            with staged_folder(out_dir / "points" / pid) as stage:
                if kind == "verdict":
                    write_text(stage / "verdict.json", text, "--out")
                    rows[pid] = verdict_row(Overload.from_json(json.loads(text)["verdict"]), overrides, pid)
                else:
                    result = RunResult.model_validate_json(text)
                    write_result(result, stage, None)
                    rows[pid] = row_of(result, overrides, pid)
            if on_point:
                on_point(len(rows), total)

        _execute(jobs, executor, workers, scheduler, done)
    return [rows[pid] for pid, _, _ in sweep.points]


def _execute(jobs: list[tuple], executor: str, workers: int, scheduler: str | None,
             done: Callable[[int, tuple[str, str]], None]) -> None:
    """Run ``run_point(*job)`` for every job; ``done(index, its outcome)`` as each one finishes."""
    if executor == "local":
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_start,
                                 initargs=(os.getpid(),)) as pool:
            try:
                futures = {pool.submit(run_point, *job): i for i, job in enumerate(jobs)}
                for fut in as_completed(futures):
                    done(futures[fut], fut.result())
            except BaseException:  # an interrupt or a failed point: no worker outlives the sweep
                pool.shutdown(wait=False, cancel_futures=True)
                for child in multiprocessing.active_children():
                    child.terminate()
                raise
        return
    if executor != "dask":
        raise SocsimError(f"--executor={executor!r}: must be 'local' or 'dask'")
    try:
        from distributed import Client, LocalCluster, as_completed as dask_completed
    except ImportError:
        raise SocsimError("--executor dask: dask.distributed is not installed (pip install 'socsim[dask]')") from None
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=1, threads_per_worker=workers, processes=False, dashboard_address=None)
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise SocsimError(f"--scheduler={scheduler!r}: cannot connect ({exc})") from None
    try:
        futures = [client.submit(run_point, *job, pure=False) for job in jobs]
        index = {f.key: i for i, f in enumerate(futures)}
        for fut in dask_completed(futures):
            done(index[fut.key], fut.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


PARENT_POLL_S = 0.5
"""How often a local worker checks that the sweep that started it is still alive (s)."""


def _worker_start(parent_pid: int) -> None:
    """In a local worker: leave SIGINT to the sweep (which stops its workers), and exit as soon as
    the sweep's process is gone (killed, say), instead of running points for nobody."""
    import signal
    import threading
    import time

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_POLL_S)
        os._exit(1)

    threading.Thread(target=watch, name="socsim-parent-watch", daemon=True).start()


def write_table(rows: list[dict[str, Any]], out_dir: Path) -> list[Path]:
    """Write the sweep table as CSV (and Parquet when pyarrow is installed)."""
    import csv
    import io

    columns: list[str] = []
    for r in rows:
        for k in r:
            if k not in columns:
                columns.append(k)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    written = [out_dir / "sweep.csv"]
    write_text(written[0], buf.getvalue(), "--out")
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return written
    table = pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows])
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    write_bytes(out_dir / "sweep.parquet", sink.getvalue().to_pybytes(), "--out")
    written.append(out_dir / "sweep.parquet")
    return written


def plot_metric(rows: list[dict[str, Any]], spec: SweepSpec, out_dir: Path) -> Path | None:
    """A bar chart of the chosen metric per simulated point (PNG); None if a simulated point lacks it
    (no bound, say) or a verdict replaced every simulation."""
    rows = [r for r in rows if r.get("verdict") is None]
    if not rows or any(spec.metric not in r for r in rows):
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    varying = [k for k in rows[0] if k not in ROW_METRICS and k not in ("wcrt_bound_ms", "point", "verdict")]
    labels = [", ".join(f"{k}={r[k]}" for k in varying) for r in rows]
    values = [float(r[spec.metric]) for r in rows]
    fig, ax = plt.subplots(figsize=(max(6, 0.5 * len(rows) + 2), 4.5))
    ax.bar(range(len(rows)), values, color="#4c72b0")
    ax.set_xticks(range(len(rows)), labels, rotation=45, ha="right", fontsize=8)
    ax.set_ylabel(spec.metric)
    ax.set_title(f"sweep {spec.name}: {spec.metric}")
    fig.tight_layout()
    path = out_dir / f"sweep_{spec.metric}.png"
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120)
    plt.close(fig)
    write_bytes(path, buf.getvalue(), "--out")
    return path
