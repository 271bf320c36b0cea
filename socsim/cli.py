"""The socsim command line: parse, call the library, render. User errors are one line, exit code 2."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer
from rich.console import Console

from socsim.errors import Overloaded, SocsimError
from socsim.limits import EPOCHS_MAX, FRAMES_MAX, SEED_MAX, WORKERS_MAX

if TYPE_CHECKING:
    from socsim.result import RunResult

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="socsim: does a CNN meet its frame deadline on this SoC, with this codec, among other masters?",
)
out = Console(soft_wrap=True)


class Fidelity(str, Enum):
    """The two fidelities of the SoC model (socsim.soc.system)."""

    fast = "fast"
    burst = "burst"


class OutputFormat(str, Enum):
    """How tables are printed (socsim.report.grid.FORMATS)."""

    table = "table"
    markdown = "markdown"
    csv = "csv"
    json = "json"


class Executor(str, Enum):
    """Where sweep points run (socsim.sweep)."""

    local = "local"
    dask = "dask"


class Check(str, Enum):
    """What --check holds every run to (socsim.verdict.CHECKS)."""

    simulation = "simulation"
    guarantee = "guarantee"


CHECK_HELP = ("Exit 1 when any frame misses the deadline in simulation, or is not guaranteed by the "
              "worst-case bound (guarantee); 0 when it holds.")
SET_HELP = ("Change one scenario field, FIELD.PATH=VALUE (repeatable; the sweep's field paths, e.g. "
            "soc.bus.width_bytes=32, masters[0].rate_gbps=4, codec=dct:keep=21); what runs is what is stored.")
FORMAT_HELP = ("Tables as: table (aligned text, whole when piped), markdown, csv or json (raw values; "
               "only the data goes to standard output).")

err = Console(stderr=True, soft_wrap=True)


def _print_version(value: bool) -> None:
    if value:
        from socsim import __version__

        print(f"socsim {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                 help="Print socsim's version and exit."),
) -> None:
    """socsim: does a CNN meet its frame deadline on this SoC, with this codec, among other masters?"""


def _print_error(exc: SocsimError) -> None:
    """Every problem of a user error on its own 'error: ' line on standard error."""
    for line in str(exc).splitlines():
        err.print(f"error: {line}", markup=False, highlight=False, emoji=False, soft_wrap=True)


def _fail(exc: SocsimError) -> None:
    """Print every problem of a user error on its own 'error: ' line and exit 2."""
    _print_error(exc)
    raise typer.Exit(2)


def _load(scenario: Path, frames: int | None = None, seed: int | None = None, settings: list[str] | None = None):
    """The scenario file with its --set settings, then --frames and --seed, applied and checked."""
    from socsim.scenario import Scenario

    overrides = {}
    if frames is not None:
        overrides["frames"] = frames
    if seed is not None:
        overrides["seed"] = seed
    loaded = Scenario.from_yaml(scenario, overrides, settings or ())
    from socsim.workload.models import check_name

    check_name(loaded.workload.model)
    return loaded


@app.command()
def validate(
    scenario: Path = typer.Argument(..., help="Scenario YAML file."),
    settings: Optional[list[str]] = typer.Option(None, "--set", help=SET_HELP),
) -> None:
    """Check a scenario file without running it: every check `socsim run` makes before it simulates."""
    from socsim.pipeline import check_scenario

    try:
        s = _load(scenario, settings=settings)
        check_scenario(s)
    except SocsimError as exc:
        _fail(exc)
    out.print(f"{scenario}: ok ({s.name}: {s.workload.model}, codec {s.codec.name}, {len(s.masters)} other masters)")


@app.command()
def run(
    scenario: Path = typer.Argument(..., help="Scenario YAML file."),
    frames: Optional[int] = typer.Option(None, "--frames", help="Override the scenario's frame count."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Override the scenario's seed."),
    settings: Optional[list[str]] = typer.Option(None, "--set", help=SET_HELP),
    json_path: Optional[Path] = typer.Option(None, "--json", help="Also write the result JSON here ('-': standard output, and everything else goes to standard error)."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Result folder (default results/<scenario>/<run-id>)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Capture activations again even if cached."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the summary line."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help=FORMAT_HELP),
    check: Optional[Check] = typer.Option(None, "--check", help=CHECK_HELP),
    no_report: bool = typer.Option(False, "--no-report", help="Skip trace.json, the figures and report.html."),
    figures: bool = typer.Option(False, "--figures", help="Also draw the figures (PNG, inlined in report.html); "
                                 "`socsim report RUN_DIR` draws them later from result.json."),
    adversarial: bool = typer.Option(False, "--adversarial", help="Simulate the critical instant: every unit at its codec's worst-case size."),
    fidelity: Fidelity = typer.Option(Fidelity.fast, "--fidelity", help="SoC model: fast (fluid shares) or burst (every bus burst an event; slow)."),
) -> None:
    """Simulate the scenario and print per-layer and per-frame tables; write result.json, trace.json and
    report.html (its figures with --figures, or later with `socsim report`)."""
    from socsim.fileio import STDOUT
    from socsim.report.export import write_result
    from socsim.report.tables import display_lines, run_tables
    from socsim.report.terminal import Screen
    from socsim.pipeline import run_scenario

    screen = Screen(fmt.value, quiet, stdout_taken=json_path is not None and str(json_path) == STDOUT)
    try:
        s = _load(scenario, frames, seed, settings)
        target = out_dir if out_dir is not None else Path("results") / s.name / _run_id(s.codec.name)
        _check_writable(target, "--out")
        if json_path is not None and str(json_path) != STDOUT:
            _check_writable(json_path, "--json", folder=False)
        progress = _progress_callback(quiet)
        try:
            output = run_scenario(s, progress=progress.update if progress else None, use_cache=not no_cache,
                                  fidelity=fidelity.value, adversarial=adversarial)
        finally:
            if progress:
                progress.close()
        result = output.result
        with _staged(target) as stage:
            written = write_result(result, stage, None)
            if not no_report:
                written += _write_report(stage, output.sim, s, figures)
        written = [target / p.name for p in written] + write_result(result, None, json_path)
    except Overloaded as exc:
        _verdict_exit(s.name, exc, check)
    except SocsimError as exc:
        _fail(exc)
    screen.tables(run_tables(result))
    for line in display_lines(result):
        screen.line(line)
    weights = result.workload.weights
    screen.line(f"weights: {weights.source} — {weights.note}")
    for f in result.frames:
        screen.line(f"input {f.index}: {f.input}")
    phases = ", ".join(f"{k} {v:.2f}s" for k, v in output.seconds.items() if "." not in k)
    screen.line(f"activations: {output.workload.cache} (cache); wall: {phases}")
    files = ", ".join("standard output" if str(p) == STDOUT else str(p) for p in written)
    screen.summary(f"{s.name}: {_verdict_line(result)}; wrote {files}")
    _exit_on_check(check, [("", result)])


def _verdict_exit(name: str, exc: Overloaded, check: Check | None) -> None:
    """Print the verdict that replaced the simulation (an overloaded path, a starved accelerator) as
    one line and exit: 0, or 1 under --check, which it fails whatever it holds the run to."""
    out.print(f"{name}: {exc}", markup=False, highlight=False, soft_wrap=True)
    if check is None:
        raise typer.Exit(0)
    err.print(f"check {check.value}: {exc}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def _exit_on_check(check: Check | None, results: list[tuple[str, RunResult]], failed: list[str] = ()) -> None:
    """Exit 1, naming every failing frame on standard error, when a labelled result fails ``check``
    or ``failed`` holds lines of other failures (verdicts that replaced a simulation)."""
    if check is None:
        return
    from socsim.verdict import failures

    lines = list(failed) + [f"check {check.value}: {label}{line}" for label, r in results
                            for line in failures(r, check.value)]
    for line in lines:
        err.print(line, markup=False, highlight=False, soft_wrap=True)
    if lines:
        raise typer.Exit(1)


def _verdict_line(result: RunResult) -> str:
    """The run's verdicts in one line: the simulated latency and the bound against the deadline."""
    summ = result.summary
    verdict = "meets" if summ.deadline_met_all else "MISSES"
    bound = result.bound
    if bound is not None:
        ok = "meets" if bound.deadline_met_by_bound else "MISSES"
        guarantee = (f"; worst-case bound {bound.wcrt_bound_ms:.3f} ms ({ok} the deadline by guarantee, "
                     f"{bound.wcrt_observed_sizes_ms:.3f} ms with the largest observed sizes)")
    else:
        guarantee = f"; no worst-case bound: {result.analysis.reason}"
    return (f"{verdict} {result.deadline_ms} ms in simulation — max latency {summ.latency_ms_max:.3f} ms "
            f"over {summ.frames} frame(s){guarantee}")


@app.command()
def sweep(
    sweep_file: Path = typer.Argument(..., help="Sweep YAML file (a base scenario plus a grid of overrides)."),
    executor: Executor = typer.Option(Executor.local, "--executor", help="local (process pool) or dask (dask.distributed)."),
    workers: int = typer.Option(2, "--workers", min=1, max=WORKERS_MAX, help="Parallel points (processes, or dask threads)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Address of a running dask scheduler."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Sweep folder (default results/sweeps/<name>)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the summary line."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help=FORMAT_HELP),
    check: Optional[Check] = typer.Option(None, "--check", help=CHECK_HELP),
) -> None:
    """Run one `socsim run` per point of a sweep; gather a table (CSV/Parquet) and a plot."""
    from socsim.report.tables import sweep_table
    from socsim.report.terminal import Screen
    from socsim.sweep import Sweep, plot_metric, run_sweep, write_table

    screen = Screen(fmt.value, quiet)
    _interrupt_on_sigterm()
    try:
        sw = Sweep(sweep_file)
        target = (out_dir if out_dir is not None else Path("results") / "sweeps" / sw.spec.name).resolve()
        _check_writable(target, "--out")
        for name in ("sweep.csv", "sweep.parquet", f"sweep_{sw.spec.metric}.png"):
            _check_writable(target / name, "--out", folder=False)
        from socsim.report.progress import PointProgress

        bar = None if quiet else PointProgress()
        try:
            rows = run_sweep(sw, target, executor.value, workers, scheduler, bar.update if bar else None)
        finally:
            if bar:
                bar.close()
        written = write_table(rows, target)
        plot = plot_metric(rows, sw.spec, target)
    except SocsimError as exc:
        _fail(exc)
    screen.tables([sweep_table(rows, f"sweep {sw.spec.name}: {len(rows)} points")])
    files = [str(p) for p in written] + ([str(plot)] if plot else [])
    screen.summary(f"sweep {sw.spec.name}: {len(rows)} points; wrote {', '.join(files)}")
    if check is not None:
        from socsim.sweep import point_results

        try:
            results = point_results(sw, target)
        except SocsimError as exc:
            _fail(exc)
        from socsim.model.overload import Overload

        # A verdict fails the check whatever it holds the run to, as it does for `run`.
        verdicts = [f"check {check.value}: point {pid}: {r}" for pid, r in results if isinstance(r, Overload)]
        _exit_on_check(check, [(f"point {pid}: ", r) for pid, r in results if not isinstance(r, Overload)], verdicts)


def _interrupt_on_sigterm() -> None:
    """Make SIGTERM interrupt this process as Ctrl-C does, so that a sweep stops its workers."""
    import signal

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def _check_writable(path: Path, option: str, folder: bool = True) -> None:
    """Raise a one-line error, before any work, when the output ``path`` cannot be written."""
    from socsim.fileio import unwritable

    problem = unwritable(path, folder)
    if problem is not None:
        raise SocsimError(f"{option}={str(path)!r}: {problem}")


def _run_id(label: str) -> str:
    """A new run folder name: UTC time plus a label (results never overwrite each other)."""
    import datetime

    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H%M%S-%f")[:-3] + f"-{label}"


@contextmanager
def _staged(target: Path):
    """``socsim.fileio.staged_folder`` for an --out folder, a failure to move it in place one line."""
    from socsim.fileio import staged_folder

    try:
        with staged_folder(target) as stage:
            yield stage
    except OSError as exc:  # the destination of a failed move, else the folder
        where = exc.filename2 or target
        raise SocsimError(f"--out={str(where)!r}: cannot write ({exc.strerror or exc})") from None


def _write_report(run_dir: Path, sim, scenario, figures: bool) -> list[Path]:
    """trace.json, report.html and (``figures``) the figures of a run folder."""
    from socsim.report.export import write_text
    from socsim.report.html import render
    from socsim.report.trace import trace_json

    write_text(run_dir / "trace.json", trace_json(sim, scenario.name, scenario.soc.dma.channels), "--out")
    return [run_dir / "trace.json"] + [p for p in render(run_dir, figures) if p.name == "report.html"]


@app.command()
def report(run_dir: Path = typer.Argument(..., help="A run folder holding result.json.")) -> None:
    """Re-render a run folder's figures and report.html from its JSON, without simulating."""
    from socsim.report.html import render

    try:
        if not run_dir.is_dir():
            raise SocsimError(f"RUN_DIR={str(run_dir)!r}: not a folder")
        written = render(run_dir)
    except SocsimError as exc:
        _fail(exc)
    out.print(f"wrote {', '.join(str(p) for p in written)}", highlight=False)


@app.command()
def compare(
    scenario: Path = typer.Argument(..., help="Scenario YAML file."),
    codecs: str = typer.Option("none,rle,spm,dct:keep=21", "--codecs",
                               help="Comma-separated codecs; parameters after ':' (dct:keep=21)."),
    frames: Optional[int] = typer.Option(None, "--frames", help="Override the scenario's frame count."),
    settings: Optional[list[str]] = typer.Option(None, "--set", help=SET_HELP),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Folder (default results/<scenario>/<run-id>)."),
    fidelity: Fidelity = typer.Option(Fidelity.fast, "--fidelity", help="SoC model fidelity."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the summary line."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help=FORMAT_HELP),
    check: Optional[Check] = typer.Option(None, "--check", help=CHECK_HELP),
) -> None:
    """Run the scenario once per codec (same chip, masters, seed, activations); table + figure."""
    from socsim.comparison import compare as run_compare
    from socsim.report.export import result_json, results_json, scenario_yaml, write_text
    from socsim.report.html import render
    from socsim.report.tables import compare_table
    from socsim.report.terminal import Screen

    screen = Screen(fmt.value, quiet)
    texts = _split_codecs(codecs)
    try:
        s = _load(scenario, frames, settings=settings)
        target = out_dir if out_dir is not None else Path("results") / s.name / _run_id("compare")
        _check_writable(target, "--out")
        progress = _progress_callback(quiet)
        try:
            comp = run_compare(s, texts, progress=progress.update if progress else None, fidelity=fidelity.value)
        finally:
            if progress:
                progress.close()
        with _staged(target) as stage:
            write_text(stage / "compare.json", results_json([o.result for o in comp.outputs]), "--out")
            write_text(stage / "result.json", result_json(comp.outputs[0].result), "--out")
            write_text(stage / "scenario.yaml", scenario_yaml(comp.outputs[0].result.scenario), "--out")
            write_text(stage / "compare.csv", _rows_csv(comp.rows), "--out")
            written = [target / p.name for p in render(stage)]
    except Overloaded as exc:
        _verdict_exit(s.name, exc, check)
    except SocsimError as exc:
        _fail(exc)
    title = f"{s.name}: codecs compared (deadline {s.deadline_ms} ms, same seed and activations)"
    screen.tables([compare_table(comp.rows, title)])
    met = sum(r["deadline_met_sim"] for r in comp.rows)
    guaranteed = sum(bool(r.get("deadline_met_bound")) for r in comp.rows)
    screen.summary(f"{s.name}: {met} of {len(comp.rows)} codecs meet {s.deadline_ms} ms in simulation, "
                   f"{guaranteed} by guarantee; wrote {target}/compare.json, compare.csv, "
                   f"{', '.join(p.name for p in written)}")
    _exit_on_check(check, [(f"{o.result.codec.key}: ", o.result) for o in comp.outputs])


def _split_codecs(text: str) -> list[str]:
    """'none,rle,dct:keep=21,n=8' → ['none', 'rle', 'dct:keep=21,n=8'] (parameters stay with their codec)."""
    items: list[str] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        if "=" in part and ":" not in part and items:
            items[-1] += "," + part
        else:
            items.append(part)
    return items


def _rows_csv(rows: list[dict]) -> str:
    import csv
    import io

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(dict.fromkeys(k for r in rows for k in r)), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def _progress_callback(quiet: bool):
    """Capture progress on standard error (a bar on a terminal, a line per frame elsewhere); None when quiet."""
    from socsim.report.progress import FrameProgress

    return None if quiet else FrameProgress()


@app.command()
def dram(
    preset: Optional[str] = typer.Argument(None, help="DRAM preset with a command-level device (e.g. ddr4-3200)."),
    config: Optional[Path] = typer.Option(None, "--config", help="A DRAMsim3 .ini config instead of a preset."),
    mapping: Optional[str] = typer.Option(None, "--mapping", help="Address mapping, most significant field first (e.g. rochrababgco)."),
    channels: Optional[int] = typer.Option(None, "--channels", help="Independent channels, a power of two (default: the preset's, one for a config)."),
    request_bytes: Optional[int] = typer.Option(None, "--request-bytes", help="Bytes per request (default: one burst, bus width x BL)."),
    fidelity: Fidelity = typer.Option(Fidelity.burst, "--fidelity", help="burst: every DRAM clock of the window; fast: each pattern's steady state, extrapolated to the window."),
    patterns: Optional[str] = typer.Option(None, "--patterns", help="Patterns, comma-separated (default: all)."),
    json_path: Optional[Path] = typer.Option(None, "--json", help="Also write the figures as JSON here ('-': standard output)."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help=FORMAT_HELP),
) -> None:
    """Characterise a DRAM on standard saturating patterns: efficiency, read latency, worst case."""
    import json

    from socsim.dram_characterise import characterise, dram_under_test, pattern_names
    from socsim.fileio import STDOUT
    from socsim.report.export import write_text
    from socsim.report.tables import dram_table
    from socsim.report.terminal import Screen

    screen = Screen(fmt.value, stdout_taken=json_path is not None and str(json_path) == STDOUT)
    try:
        dut = dram_under_test(preset, config, mapping, channels, request_bytes)
        doc = characterise(dut, pattern_names(patterns), fidelity=fidelity.value)
        if json_path is not None:
            write_text(json_path, json.dumps(doc, indent=2) + "\n", "--json")
    except SocsimError as exc:
        _fail(exc)
    screen.tables([dram_table(doc)])


workload_app = typer.Typer(no_args_is_help=True, help="Inspect a workload without running a scenario.")
app.add_typer(workload_app, name="workload")


@workload_app.command("summary")
def workload_summary(
    model: str = typer.Argument(..., help="Model name (e.g. vgg16, fcn8s) or package.module:factory."),
    input_hw: Optional[str] = typer.Option(None, "--input", help="Input HEIGHTxWIDTH (default: the paper's)."),
    json_path: Optional[Path] = typer.Option(None, "--json", help="Also write the table as JSON here."),
    plot_path: Optional[Path] = typer.Option(None, "--plot", help="Write the per-layer relative size plot (PNG)."),
) -> None:
    """Per-layer and total 16-bit weight and activation sizes, beside the paper's Table I."""
    import json

    from socsim.report.export import write_text
    from socsim.workload import summary as S

    try:
        height, width = S.parse_hw(input_hw) if input_hw is not None else (None, None)
        s = S.summarize(model, height, width)
        if json_path is not None:
            write_text(json_path, json.dumps(S.as_json(s), indent=2, allow_nan=False) + "\n", "--json")
        if plot_path is not None:
            S.plot_relative(s, plot_path)
    except SocsimError as exc:
        _fail(exc)
    for renderable in S.renderables(s):
        out.print(renderable)
    written = [str(p) for p in (json_path, plot_path) if p is not None]
    if written:
        out.print(f"wrote {', '.join(written)}", highlight=False)


@app.command()
def accuracy(
    model: str = typer.Argument(..., help="Model name, e.g. mobilenet_v2 or craft."),
    codecs: str = typer.Option("none,rle,spm,dct:keep=21", "--codecs", help="Codecs, comma-separated ('dct:n=auto,keep=21' keeps its parameters; ';' also separates)."),
    weights: str = typer.Option("trained", "--weights", help="'trained', 'random' or a state_dict file."),
    images: Optional[str] = typer.Option(None, "--images", help="Image sources, comma-separated: skimage, skimage:<name>, files, folders, or skimage-text (text mosaics; CRAFT's default)."),
    input_size: Optional[str] = typer.Option(None, "--input", help="Input size HxW in pixels (default: the model's)."),
    frames: int = typer.Option(16, "--frames", min=1, max=FRAMES_MAX, help="Number of inputs."),
    sweep_k: Optional[str] = typer.Option(None, "--sweep-k", help="Also run the sweep codec at these keep values, e.g. 6,10,15,21,28,36."),
    sweep_base: str = typer.Option("dct:n=auto", "--sweep-base", help="Codec the --sweep-k values are applied to."),
    unit: str = typer.Option("map", "--unit", help="Transfer unit each encode covers: map (one scale per layer) or channel."),
    seed: int = typer.Option(0, "--seed", min=0, max=SEED_MAX, help="Seed for random weights and input crops."),
    raw_output: bool = typer.Option(False, "--raw-output", help="Store the network's output layer as plain 16-bit, not with the codec."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Output folder (default results/accuracy/<model>)."),
) -> None:
    """Accuracy cost of codecs: run MODEL with each codec's round trip on every layer, compare with the uncompressed model."""
    from socsim.accuracy.harness import StudySpec, run_study
    from socsim.accuracy.texts import parse_ints, parse_size, split_codec_list, sweep_texts
    from socsim.accuracy.report import summary_table, write_outputs

    try:
        given = split_codec_list(codecs)
        texts = given + (sweep_texts(sweep_base, parse_ints(sweep_k, "--sweep-k")) if sweep_k else [])
        height, width = parse_size(input_size) if input_size else (None, None)
        items = [i.strip() for i in images.split(",") if i.strip()] if images else None
        target = out_dir if out_dir is not None else Path("results") / "accuracy" / model
        _check_writable(target, "--out")
        bar = _RunsBar(len(texts), frames) if err.is_terminal else None
        try:
            spec = StudySpec(model, texts, weights, items, height, width, frames, seed, unit, raw_output=raw_output)
            report = run_study(spec, progress=bar.update if bar else None)
        finally:
            if bar:
                bar.close()
        written = write_outputs(report, target, [t for t in given if t != "none"] or None)
    except SocsimError as exc:
        _fail(exc)
    out.print(summary_table(report))
    out.print(f"weights: {report.weights}; output layer {report.output_layer}", highlight=False)
    out.print(f"wrote {', '.join(str(p) for p in written)}", highlight=False)


class _RunsBar:
    """A rich progress bar over the frames of the accuracy study's runs (reference, then each codec)."""

    def __init__(self, runs: int, frames: int):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=err, transient=True)
        self.task = self.bar.add_task("reference", total=(runs + 1) * frames)
        self.frames = frames
        self.done: dict[str, int] = {}
        self.bar.start()

    def update(self, run: str, frame: int, frames: int) -> None:
        self.done[run] = frame
        self.bar.update(self.task, completed=sum(self.done.values()), description=run)

    def close(self) -> None:
        self.bar.stop()


@app.command("train-masks")
def train_masks(
    model: str = typer.Argument(..., help="Model name, e.g. mobilenet_v2 or craft."),
    target_reduction: float = typer.Option(..., "--target-reduction", help="Overall nominal reduction to meet, a fraction, e.g. 0.671875 (= 1 - 21/64) or 0.6719."),
    weights: str = typer.Option("trained", "--weights", help="'trained', 'random' or a state_dict file."),
    input_size: Optional[str] = typer.Option(None, "--input", help="Training input HxW in pixels (default: 224x224 for classifiers, 256x256 crops for dense nets)."),
    images: Optional[str] = typer.Option(None, "--images", help="Image sources, comma-separated: skimage, skimage:<name>, files, folders, or skimage-text (text mosaics; CRAFT's default)."),
    frames: int = typer.Option(16, "--frames", min=1, max=FRAMES_MAX, help="Training inputs (count)."),
    epochs: int = typer.Option(60, "--epochs", min=0, max=EPOCHS_MAX, help="Passes over the training inputs."),
    lr: float = typer.Option(0.04, "--lr", help="Adam's initial learning rate (cosine decay to 0)."),
    penalty: float = typer.Option(1e-4, "--penalty", help="λ of the penalty λ·Σ_l ‖A_l‖₂ (the paper: 1e-4)."),
    n: int = typer.Option(8, "--n", help="Tile edge of the masks: 8 or 7."),
    batch: int = typer.Option(8, "--batch", min=1, max=FRAMES_MAX, help="Inputs per training step."),
    out_path: Path = typer.Option(Path("masks.json"), "--out", help="Masks file to write (JSON, for codec dct-adaptive)."),
    seed: int = typer.Option(0, "--seed", min=0, max=SEED_MAX, help="Seed of input crops, random weights and batch order."),
    threads: int = typer.Option(2, "--threads", min=1, max=WORKERS_MAX, help="torch CPU threads."),
) -> None:
    """Learn per-layer DCT masks for dct-adaptive (frozen network, attenuation trained by backpropagation)."""
    from socsim.training import masks as T

    try:
        height, width = T.parse_input_size(input_size) if input_size else (None, None)
        T.check_options(target_reduction, n, frames, epochs, batch, lr, penalty)
        _check_writable(out_path, "--out", folder=False)
        import torch

        torch.set_num_threads(threads)
        options = T.TrainingOptions(n=n, epochs=epochs, lr=lr, batch=batch, seed=seed, penalty=penalty)
        sources = [i.strip() for i in images.split(",") if i.strip()] if images else ["skimage"]
        job = T.MaskJob(model, target_reduction, weights, sources, frames, height, width, Path.cwd(), options)
        result = T.learn_masks(
            job, progress=lambda e, total, loss: err.print(f"epoch {e}/{total}: loss {loss:.5f}", highlight=False)
        )
        T.write_masks(out_path, result.text)
    except SocsimError as exc:
        _fail(exc)
    out.print(T.kept_table(result))
    tr, sel = result.training, result.selection
    out.print(f"trained on: {result.trained_on}", highlight=False)
    out.print(
        f"loss (task + penalty) {sum(tr.initial):.5f} -> {sum(tr.final):.5f} in {tr.seconds:.1f} s; "
        f"threshold a_th {sel.threshold:.4f}",
        highlight=False,
    )
    out.print(
        f"achieved reduction {sel.achieved:.2%} (target {target_reduction:.2%}); wrote {out_path}", highlight=False
    )


def main() -> None:
    """Console-script entry point: every user error, a malformed command line included, is one
    line on stderr and exit code 2."""
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as exc:  # a command-line (usage) error, found before any command runs
        message = " ".join(exc.format_message().split())
        if message:  # an empty message: the help was asked for by giving no arguments, and shown
            ctx = getattr(exc, "ctx", None)
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            err.print(f"error: {message}{hint}", markup=False, highlight=False, emoji=False, soft_wrap=True)
        sys.exit(2)
    except typer.Abort:
        err.print("error: aborted", markup=False, highlight=False)
        sys.exit(1)
    except SocsimError as exc:  # errors raised outside a command body
        _print_error(exc)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
