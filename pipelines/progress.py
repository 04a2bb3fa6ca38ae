"""A long run's progress on stderr: one status line kept up to date on a terminal, log lines otherwise.

`joinedup run` shows what it is doing (loading the pipeline, a phase's step k of n, working out the
months due), the files each type read as its ingest step ends, failed steps and the time elapsed. On
a terminal the status line is rewritten in place every second; anywhere else (a log file, cron, a
pipe) each of those is one plain, timestamped line. Dagster's events drive it: a listener attached to
each in-process run (`DagsterInstance.add_event_listener`) is called with every event as it is
stored, and does no more than count and print.
"""

from __future__ import annotations

import ast
import shutil
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from dagster import DagsterEvent, EventLogEntry, MetadataValue
    from dagster_shared.error import SerializableErrorInfo

CLEAR_LINE = "\r\x1b[K"


def elapsed(seconds: float) -> str:
    """Return seconds as `m:ss` (or `h:mm:ss` from an hour)."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class RunProgress:
    """Reports a run's progress to `stream`: live on a terminal (or when `live`), as log lines otherwise.

    Use it as a context manager: on a terminal a thread redraws the status line every `tick`
    seconds, so that the time elapsed moves during a long step, and the line is cleared at the end.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        live: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        tick: float = 1.0,
    ) -> None:
        self._stream = stream
        self._live = stream.isatty() if live is None else live
        self._clock = clock
        self._tick = tick
        self._started = clock()
        self._status = ""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def __enter__(self) -> RunProgress:
        if self._live:
            self._ticker = threading.Thread(target=self._redraw_every_tick, daemon=True)
            self._ticker.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        if self._live:
            with self._lock:
                self._stream.write(CLEAR_LINE)
                self._stream.flush()

    def listener(self, phase: str) -> Callable[[EventLogEntry], None]:
        """Return the event listener for the Dagster run of one phase of the run (e.g. `load`)."""
        return _PhaseListener(self, phase)

    def stage(self, status: str) -> None:
        """Make `status` what the run is doing: redrawn in place when live, one log line otherwise."""
        with self._lock:
            self._status = status
            if self._live:
                self._draw()
            else:
                self._write_line(status)

    def note(self, text: str) -> None:
        """Print a line that stays (files read, a failure), above the status line when live."""
        with self._lock:
            self._write_line(text)
            if self._live:
                self._draw()

    def _write_line(self, text: str) -> None:
        prefix = CLEAR_LINE if self._live else ""
        self._stream.write(f"{prefix}[{elapsed(self._clock() - self._started)}] {text}\n")
        self._stream.flush()

    def _draw(self) -> None:
        line = f"[{elapsed(self._clock() - self._started)}] {self._status}"
        width = shutil.get_terminal_size().columns - 1  # a line that wraps cannot be redrawn in place
        self._stream.write(CLEAR_LINE + (line if len(line) <= width else line[: width - 1] + "…"))
        self._stream.flush()

    def _redraw_every_tick(self) -> None:
        while not self._stop.wait(self._tick):
            with self._lock:
                if self._status:
                    self._draw()


class _PhaseListener:
    """Counts the steps of one Dagster run and reports them, with the files each ingest step read."""

    def __init__(self, progress: RunProgress, phase: str) -> None:
        self._progress = progress
        self._phase = phase
        self._total: int | None = None
        self._started = 0
        self._failed = False

    def __call__(self, entry: EventLogEntry) -> None:
        event = entry.dagster_event
        if event is None:
            return
        kind = event.event_type_value
        if kind == "ENGINE_EVENT" and self._total is None:
            self._total = _step_count(event)
        elif kind == "STEP_START":
            self._started += 1
            of_total = f" of {self._total}" if self._total else ""
            self._progress.stage(f"{self._phase}: step {self._started}{of_total}: {_label(event.step_key)}")
        elif kind == "ASSET_MATERIALIZATION":
            materialization = event.step_materialization_data.materialization
            read = _files_read(materialization.asset_key.path, materialization.metadata)
            if read:
                self._progress.note(f"{self._phase}: {read}")
        elif kind in ("STEP_FAILURE", "RESOURCE_INIT_FAILURE"):
            self._failed = True
            self._progress.note(
                f"{self._phase}: step failed: {_label(event.step_key)}: {_cause(_error(event))}"
            )
        elif kind == "PIPELINE_FAILURE" and not self._failed and _error(event):
            self._progress.note(f"{self._phase}: failed: {_cause(_error(event))}")


def _step_count(event) -> int | None:
    """Return how many steps the run executes, from the engine's first event (None if it says not)."""
    listed = (event.engine_event_data.metadata or {}).get("step_keys") if event.engine_event_data else None
    try:
        return len(ast.literal_eval(listed.value)) if listed is not None else None
    except (ValueError, SyntaxError, TypeError):
        return None


def _error(event: DagsterEvent) -> SerializableErrorInfo | None:
    """Return the error a failure event carries (a step's, a resource's or the run's), if any."""
    # StepFailureData, EngineEventData (a resource's failure) and JobFailureData each have `error`
    return getattr(event.event_specific_data, "error", None)


def _cause(error: SerializableErrorInfo | None) -> str:
    """Return the first line of the error that started it all (Dagster wraps it in its own)."""
    if error is None:
        return "no error was recorded"
    while error.cause is not None:
        error = error.cause
    return error.message.strip().splitlines()[0]


def _label(step_key: str | None) -> str:
    """Return a step's asset as the Dagster UI shows it: raw__outcomes is raw/outcomes."""
    return (step_key or "").replace("__", "/")


def _files_read(asset_key: Sequence[str], metadata: Mapping[str, MetadataValue]) -> str | None:
    """Return what an ingest step read (`raw/<type>` materialisations list their files), else None."""
    if "files_loaded" not in metadata:
        return None
    count = {name: metadata[name].value for name in ("files_loaded", "rows_received") if name in metadata}
    rejected = metadata.get("files_rejected")
    line = (
        f"{asset_key[-1]}: {count['files_loaded']:,} new file(s) read, "
        f"{count.get('rows_received', 0):,} rows received"
    )
    files = rejected.value if rejected is not None else None  # the ingest assets' list of rejected files
    return line + (f", {len(files):,} rejected" if isinstance(files, list) and files else "")
