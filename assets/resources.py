"""Resources the assets use: the working database, where a run reads, validates with and writes, and how
the scorecards judge what they show.

Their configuration comes from the settings, in one place (pipelines.resources.build_resources).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from assets.compaction import COMPACT_AT_GROWTH, Compaction, compact_if_grown
from assets.faults import fault_point
from assets.free_memory import release_freed_memory
from assets.lake import LakeSettings
from assets.publish.board_rules import BoardRules
from assets.publish.swap import copy_into_place

log = logging.getLogger(__name__)


def reset_working_database(working: Path, published: Path) -> None:
    """Make the working database a copy of the published warehouse (or remove it, with none published)."""
    Path(f"{working}.wal").unlink(missing_ok=True)  # a stopped process's log belongs to the old file
    if published.exists():
        copy_into_place(published, working)
    else:
        working.unlink(missing_ok=True)


# the working databases held open across runs in this process: a run's end does not close them
_HELD_ACROSS_RUNS: set[Path] = set()


@dataclass
class Hold:
    """What holding the working database across runs came to, once it closed: the compaction done, if
    any, or why the database was not compacted when it had grown enough."""

    compaction: Compaction | None = None
    compaction_failed: str | None = None


def _current_step() -> str | None:
    """Return the key of the step running in this thread (None outside a step)."""
    try:
        return dg.OpExecutionContext.get().op_def.name
    except dg.DagsterInvariantViolationError:
        return None


class WorkingDatabase(DuckDBResource):
    """The working database a run builds, held open from the run's first step to its last.

    Each step opens and closes a connection of its own; while the database is held open, closing one
    does not checkpoint the whole file (about 0.2 s a step at national scale). Publication checkpoints
    before it copies the file.

    A run marks the database as in use (`<database>.running`) until its end. A run that finds the mark
    follows one that was killed mid-way, whose changes may be half made (months validated, their marts
    not rebuilt): it starts again from the published warehouse, and reads again the files received
    since. Each step's first connection is the fault point `step:<step key>` (see assets.faults).

    Once closed at the end of a run (of the last run, when held across runs), the database is compacted
    if it has grown to `compact_at_growth` times its size after the last compaction (assets.compaction).
    """

    published_warehouse: str
    compact_at_growth: float = COMPACT_AT_GROWTH
    _held: AbstractContextManager | None = PrivateAttr(default=None)
    _steps_started: set[str] = PrivateAttr(default_factory=set)

    @property
    def _file(self) -> Path:
        """The database's file, however its path is written."""
        return Path(self.database).resolve()

    @property
    def _running_mark(self) -> Path:
        return Path(f"{self.database}.running")

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Open the database for the run (with the very configuration every step's connection has).

        A run killed before has left its mark: the database goes back to the published warehouse first.
        """
        self._steps_started = set()
        self._hold()
        if self._running_mark.exists():
            if context.log is not None:
                context.log.warning(
                    f"the last run on {self.database} did not finish: this one starts again "
                    f"from the published warehouse {self.published_warehouse}"
                )
            self._release()
            reset_working_database(Path(self.database), Path(self.published_warehouse))
            self._hold()
        self._running_mark.touch()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """Let the database close (and checkpoint) with the run's last connection; the run is over.
        Compact it if it has grown enough, unless it is held open across runs."""
        self._release()
        self._running_mark.unlink(missing_ok=True)
        if self._file not in _HELD_ACROSS_RUNS:
            self._compact_if_grown(context.log)

    @contextmanager
    def held_across_runs(self) -> Iterator[Hold]:
        """Keep the database open across the runs started inside (a night's phases), so that the end
        of each run does not checkpoint it: publication's checkpoint, DuckDB's own when its log passes
        the threshold, and the last close write it instead.

        A database left marked by a killed run is not held: the first run's set-up replaces the file.
        The database is compacted, if it has grown enough, once the last run has closed it.
        """
        hold = Hold()
        _HELD_ACROSS_RUNS.add(self._file)
        try:
            if self._running_mark.exists():
                yield hold
            else:
                with self.get_connection():
                    yield hold
        finally:
            _HELD_ACROSS_RUNS.discard(self._file)
        self._compact_if_grown(None, hold)

    def _compact_if_grown(self, run_log: dg.DagsterLogManager | None, hold: Hold | None = None) -> None:
        """Compact the closed database if it has grown enough, saying so in `hold`; a failure is logged,
        never raised: the file is left as it was, and the run's work stands."""
        database = Path(self.database)
        if not database.exists():
            return
        hold = hold or Hold()
        try:
            hold.compaction = compact_if_grown(database, self.connection_config, self.compact_at_growth)
        except (duckdb.Error, OSError) as failed:
            hold.compaction_failed = f"{database} was not compacted, and stays as it was: {failed}"
            (run_log or log).warning(hold.compaction_failed)
            return
        if hold.compaction is not None:
            done = hold.compaction
            (run_log or log).info(
                f"{database} compacted from {done.bytes_before:,} to {done.bytes_after:,} bytes "
                f"in {done.seconds:.1f} s"
            )

    def _hold(self) -> None:
        self._held = self.get_connection()
        self._held.__enter__()

    def _release(self) -> None:
        if self._held is not None:
            self._held.__exit__(None, None, None)
            self._held = None

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Yield a connection to the working database (a step's first one passes its fault point), its
        folder made first.

        The connection is closed when the step raises too (dagster-duckdb closes it only on success,
        leaving a failed step's connection, and the file's write-ahead log, to the garbage collector),
        and the memory the step's work freed goes back to the operating system (`release_freed_memory`).
        """
        step = _current_step()
        if step is not None and step not in self._steps_started:
            self._steps_started.add(step)
            fault_point(f"step:{step}")
        Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        with super().get_connection() as con:
            try:
                yield con
            finally:
                con.close()
                release_freed_memory()


class PathsResource(dg.ConfigurableResource):
    """Folders and files a run reads, validates with and publishes to."""

    inbox: str
    reference_dir: str
    warehouse: str
    site_dir: str
    publications: str
    partners_dir: str
    expectations_dir: str  # the suites: the project's, or a scenario's relaxed copies
    cache_dir: str  # the publication's slow-to-build files, kept between runs (assets.publish.build_cache)
    lake: str = ""  # a DuckLake catalog the marts are published to as well (none by default)
    lake_data: str = ""
    lake_schema: str = "marts"

    def path(self, name: str) -> Path:
        """Return one of the configured locations as a Path."""
        return Path(getattr(self, name))

    def lake_settings(self) -> LakeSettings | None:
        """Return the lake the publication also writes to, if one is configured."""
        return LakeSettings(self.lake, self.lake_data or None, self.lake_schema) if self.lake else None


class BoardRulesResource(dg.ConfigurableResource):
    """The partnership's choices for reading the scorecards (assets.publish.board_rules)."""

    min_peers: int  # services of a kind with an index needed before peer indices are shown

    def rules(self) -> BoardRules:
        """Return the rules as the scorecard pages take them."""
        return BoardRules(min_peers=self.min_peers)
