"""Progress on standard error: a rich bar on a terminal, plain lines elsewhere (a CI log, a file),
one per captured frame and one per finished sweep point, so a long run shows life in any log."""

from __future__ import annotations

import sys

from rich.console import Console


def _stderr() -> Console:
    return Console(file=sys.stderr)


def _line(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class FrameProgress:
    """Progress over the frames being captured, ``update(frame, frames, layer)`` after each layer."""

    def __init__(self):
        self.console = _stderr()
        self.bar = None
        self.task = None
        self.frame = -1
        if self.console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("capturing"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.description}"), TimeElapsedColumn(), console=self.console,
                                transient=True)

    def update(self, frame: int, frames: int, layer: str) -> None:
        """Called after each captured layer of frame ``frame`` (0-based) of ``frames``."""
        new_frame = frame != self.frame
        self.frame = frame
        if self.bar is None:
            if new_frame:
                _line(f"capturing frame {frame + 1}/{frames}")
            return
        if self.task is None:
            self.bar.start()
            self.task = self.bar.add_task("", total=frames)
        if new_frame:
            self.bar.update(self.task, completed=frame)
        self.bar.update(self.task, description=f"frame {frame + 1}/{frames} {layer}")

    def close(self) -> None:
        """Take the bar off the terminal."""
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, completed=self.bar.tasks[0].total)
            self.bar.stop()


class PointProgress:
    """Progress over sweep points, ``update(done, total)`` as each point finishes."""

    def __init__(self):
        self.console = _stderr()
        self.bar = None
        self.task = None
        self.done = 0
        if self.console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("sweep"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                console=self.console, transient=True)

    def update(self, done: int, total: int) -> None:
        """``done`` of ``total`` points have their result (points already run count from the start)."""
        if self.bar is None:
            if done > self.done or done == 0:
                _line(f"sweep: {done}/{total} points done")
            self.done = done
            return
        if self.task is None:
            self.bar.start()
            self.task = self.bar.add_task("", total=total)
        self.bar.update(self.task, completed=done)

    def close(self) -> None:
        """Take the bar off the terminal."""
        if self.bar is not None and self.task is not None:
            self.bar.stop()
