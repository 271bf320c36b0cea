"""The socsim command line: parse, call the library, render. User errors are one line, exit code 2."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from socsim.errors import SocsimError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="socsim: does a CNN meet its frame deadline on this SoC, with this codec, among other masters?",
)
out = Console()
err = Console(stderr=True)


def _fail(exc: SocsimError) -> None:
    err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _load(scenario: Path, frames: int | None = None, seed: int | None = None):
    from socsim.scenario import Scenario

    overrides = {}
    if frames is not None:
        overrides["frames"] = frames
    if seed is not None:
        overrides["seed"] = seed
    return Scenario.from_yaml(scenario, overrides)


@app.command()
def validate(scenario: Path = typer.Argument(..., help="Scenario YAML file.")) -> None:
    """Check a scenario file without running it."""
    try:
        s = _load(scenario)
    except SocsimError as exc:
        _fail(exc)
    out.print(f"{scenario}: ok ({s.name}: {s.workload.model}, codec {s.codec.name}, {len(s.masters)} other masters)")


@app.command()
def run(
    scenario: Path = typer.Argument(..., help="Scenario YAML file."),
    frames: Optional[int] = typer.Option(None, "--frames", help="Override the scenario's frame count."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Override the scenario's seed."),
    json_path: Optional[Path] = typer.Option(None, "--json", help="Also write the result JSON here."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Result folder (default results/<scenario>)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Capture activations again even if cached."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the summary line."),
) -> None:
    """Simulate the scenario and print per-layer and per-frame tables; write result.json."""
    from socsim.report.export import write_result
    from socsim.report.tables import frames_table, layers_table, masters_table
    from socsim.run import run_scenario

    try:
        s = _load(scenario, frames, seed)
        progress = _progress_callback(quiet)
        try:
            output = run_scenario(s, progress=progress.update if progress else None, use_cache=not no_cache)
        finally:
            if progress:
                progress.close()
        result = output.result
        target = out_dir if out_dir is not None else Path("results") / s.name
        written = write_result(result, target, json_path)
    except SocsimError as exc:
        _fail(exc)
    if not quiet:
        out.print(layers_table(result))
        out.print(masters_table(result))
        out.print(frames_table(result))
        wl = result["workload"]
        out.print(f"weights: {wl['weights']['source']} — {wl['weights']['note']}", highlight=False)
        for f in result["frames"]:
            out.print(f"input {f['index']}: {f['input']}", highlight=False)
        phases = ", ".join(f"{k} {v:.2f}s" for k, v in output.seconds.items() if "." not in k)
        out.print(f"activations: {output.workload.cache} (cache); wall: {phases}", highlight=False)
    summ = result["summary"]
    verdict = "meets" if summ["deadline_met_all"] else "MISSES"
    out.print(
        f"{s.name}: {verdict} {result['deadline_ms']} ms — max latency {summ['latency_ms_max']:.3f} ms over "
        f"{summ['frames']} frame(s); wrote {', '.join(str(p) for p in written)}",
        highlight=False,
    )


@app.command()
def sweep(
    sweep_file: Path = typer.Argument(..., help="Sweep YAML file (a base scenario plus a grid of overrides)."),
    executor: str = typer.Option("local", "--executor", help="local (process pool) or dask (dask.distributed)."),
    workers: int = typer.Option(2, "--workers", help="Parallel points (processes, or dask threads)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Address of a running dask scheduler."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Sweep folder (default results/sweeps/<name>)."),
) -> None:
    """Run one `socsim run` per point of a sweep; gather a table (CSV/Parquet) and a plot."""
    from rich.table import Table

    from socsim.sweep import Sweep, plot_metric, run_sweep, write_table

    try:
        if workers < 1:
            raise SocsimError(f"--workers={workers}: must be at least 1")
        sw = Sweep(sweep_file)
        target = out_dir if out_dir is not None else Path("results") / "sweeps" / sw.spec.name
        bar = _PointsBar() if err.is_terminal else None
        try:
            rows = run_sweep(sw, target, executor, workers, scheduler, bar.update if bar else None)
        finally:
            if bar:
                bar.close()
        written = write_table(rows, target)
        plot = plot_metric(rows, sw.spec, target)
    except SocsimError as exc:
        _fail(exc)
    table = Table(title=f"sweep {sw.spec.name}: {len(rows)} points")
    for col in rows[0]:
        table.add_column(col, justify="left" if not isinstance(rows[0][col], (int, float)) else "right")
    for r in rows:
        table.add_row(*[f"{v:.4g}" if isinstance(v, float) else str(v) for v in r.values()])
    out.print(table)
    files = [str(p) for p in written] + ([str(plot)] if plot else [])
    out.print(f"wrote {', '.join(files)}", highlight=False)


class _PointsBar:
    """A rich progress bar over sweep points."""

    def __init__(self):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("sweep"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=err, transient=True)
        self.task = None

    def update(self, done: int, total: int) -> None:
        if self.task is None:
            self.bar.start()
            self.task = self.bar.add_task("", total=total)
        self.bar.update(self.task, completed=done)

    def close(self) -> None:
        if self.task is not None:
            self.bar.stop()


class _Progress:
    """A rich progress bar over frames, showing the layer being captured."""

    def __init__(self):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn("capturing"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
            TimeElapsedColumn(), console=err, transient=True,
        )
        self.task = None
        self.frame = -1

    def update(self, frame: int, frames: int, layer: str) -> None:
        if self.task is None:
            self.bar.start()
            self.task = self.bar.add_task("", total=frames)
        if frame != self.frame:
            self.bar.update(self.task, completed=frame)
            self.frame = frame
        self.bar.update(self.task, description=f"frame {frame + 1}/{frames} {layer}")

    def close(self) -> None:
        if self.task is not None:
            self.bar.update(self.task, completed=self.bar.tasks[0].total)
            self.bar.stop()


def _progress_callback(quiet: bool) -> _Progress | None:
    return None if quiet or not err.is_terminal else _Progress()


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except SocsimError as exc:  # errors raised outside a command body
        err.print(f"error: {exc}", markup=False, highlight=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
