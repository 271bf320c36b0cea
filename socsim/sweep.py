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
from pathlib import Path
from typing import Any, Callable, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from socsim.errors import ResultError, ScenarioError, SocsimError
from socsim.fieldpath import set_path
from socsim.fileio import atomic_write_bytes
from socsim.report.export import write_text
from socsim.result import RunResult, load_result
from socsim.scenario import Scenario, validation_message

ROW_METRICS = (
    "latency_ms_max", "latency_ms_mean", "deadline_met_all", "dram_bytes_per_frame_mean", "bus_utilization",
    "dram_utilization",
)


class SweepSpec(BaseModel):
    """A sweep: base scenario, overrides for every point, and the grid or list of points."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    name: str
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
        if not self.path.is_file():
            raise ScenarioError(f"sweep={str(path)!r}: file not found")
        try:
            raw = yaml.safe_load(self.path.read_text())
        except yaml.YAMLError as exc:
            raise ScenarioError(f"sweep={str(path)!r}: malformed YAML ({getattr(exc, 'problem', exc)})") from None
        if not isinstance(raw, dict):
            raise ScenarioError(f"sweep={str(path)!r}: top level must be a mapping")
        try:
            self.spec = SweepSpec.model_validate(raw)
        except ValidationError as exc:
            raise ScenarioError(validation_message(exc)) from None
        base_path = (self.path.parent / self.spec.base).resolve()
        if not base_path.is_file():
            raise ScenarioError(f"base={self.spec.base!r}: file not found")
        base = yaml.safe_load(base_path.read_text())
        if not isinstance(base, dict):
            raise ScenarioError(f"base={self.spec.base!r}: top level must be a mapping")
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


def run_point(data: dict[str, Any], overrides: dict[str, Any]) -> str:
    """Run one point (in a worker, which shares no disk with the client) and return its result as
    ``result.json`` text; the client writes the point's folder."""
    from socsim.pipeline import run_scenario
    from socsim.report.export import result_json

    scenario = Scenario.from_dict(data)
    return result_json(run_scenario(scenario).result.with_sweep_point(overrides))


def row_of(result: RunResult, overrides: dict[str, Any], pid: str) -> dict[str, Any]:
    """The sweep table row of one point's result: its id (``pid``, the name of its folder under
    ``points/``), its overrides, its metrics."""
    frames = result.frames
    row: dict[str, Any] = {"point": pid}
    row.update({k: (json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in overrides.items()})
    row.update(
        {
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
    """The row of a point already run with these overrides, or None when it must run (again)."""
    try:
        result = load_result(point_dir / "result.json")
    except ResultError:
        return None
    if result.sweep_point != json.loads(json.dumps(overrides, default=str)):
        return None
    return row_of(result, overrides, point_dir.name)


def point_results(sweep: Sweep, out_dir: Path) -> list[tuple[str, RunResult]]:
    """(point id, result) of every point of a finished sweep, read from its folder, in point order."""
    return [(pid, load_result(out_dir / "points" / pid / "result.json")) for pid, _, _ in sweep.points]


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
    result; this process writes its folder ``<out_dir>/points/<id>/`` (``out_dir`` made absolute)."""
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

        def done(i: int, text: str) -> None:
            pid, overrides, _ = todo[i]
            result = RunResult.model_validate_json(text)
            write_result(result, out_dir / "points" / pid, None)
            rows[pid] = row_of(result, overrides, pid)
            if on_point:
                on_point(len(rows), total)

        _execute(jobs, executor, workers, scheduler, done)
    return [rows[pid] for pid, _, _ in sweep.points]


def _execute(jobs: list[tuple], executor: str, workers: int, scheduler: str | None,
             done: Callable[[int, str], None]) -> None:
    """Run ``run_point(*job)`` for every job; ``done(index, result text)`` as each one finishes."""
    if executor == "local":
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futures = {pool.submit(run_point, *job): i for i, job in enumerate(jobs)}
            for fut in as_completed(futures):
                done(futures[fut], fut.result())
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
    atomic_write_bytes(out_dir / "sweep.parquet", sink.getvalue().to_pybytes())
    written.append(out_dir / "sweep.parquet")
    return written


def plot_metric(rows: list[dict[str, Any]], spec: SweepSpec, out_dir: Path) -> Path | None:
    """A bar chart of the chosen metric per point (PNG); None if the metric is absent."""
    if not rows or spec.metric not in rows[0]:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    varying = [k for k in rows[0] if k not in ROW_METRICS and k not in ("wcrt_bound_ms", "point")]
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
    atomic_write_bytes(path, buf.getvalue())
    return path
