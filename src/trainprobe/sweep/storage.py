"""Where a study lives, so several processes on several machines can share one sweep.

`--storage` takes any Optuna storage URL: a database (`sqlite:///grid.db`,
`postgresql://user@host/db`, `mysql+pymysql://...`) or a journal file on a shared disk,
`journal:///abs/path/sweep.log` (relative: `journal://sweep.log`), which needs no database
server and is safe for many writers (Optuna's JournalFileBackend locks the file).

A worker that is killed leaves its trial RUNNING. Optuna's own heartbeat exists only for
databases, so trainprobe keeps one for every storage: a trial refreshes a user attribute
from a thread while it trains, and `fail_stale` marks FAILED a RUNNING trial whose
heartbeat is older than GRACE_SECONDS; the next worker or resume queues that point again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import optuna
from optuna.storages.journal import JournalFileBackend
from optuna.trial import TrialState

from ..errors import ConfigError, first_line

__all__ = ["GRACE_SECONDS", "fail_stale", "heartbeat", "open_study"]

_HEARTBEAT_SECONDS = 20  # a RUNNING trial without a heartbeat for GRACE_SECONDS is stale
GRACE_SECONDS = 60
_HEARTBEAT_ATTR = "trainprobe_heartbeat"
_JOURNAL = "journal://"


def _make_storage(url: str | None) -> optuna.storages.BaseStorage | None:
    """None -> in memory; `journal://PATH` -> a journal file; anything else -> a database."""
    if url is None:
        return None
    if url.startswith(_JOURNAL):
        path = url[len(_JOURNAL):]
        if not path:
            raise ConfigError(f"--storage {url!r} names no file",
                              "use journal:///abs/path/sweep.log or journal://sweep.log")
        return optuna.storages.JournalStorage(JournalFileBackend(path))
    return optuna.storages.RDBStorage(url)


def open_study(storage: str | None, study_name: str,
               sampler: optuna.samplers.BaseSampler, attempts: int = 4) -> optuna.Study:
    """Create or load the study. Workers started together race to create the database
    schema (one sees "table already exists"), so opening is retried a few times."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    for attempt in range(attempts):
        try:
            return optuna.create_study(storage=_make_storage(storage), study_name=study_name,
                                       sampler=sampler, direction="minimize",
                                       load_if_exists=True)
        except ConfigError:
            raise
        except Exception as error:  # bad URL, missing driver, unreachable database, race
            if attempt == attempts - 1:
                raise ConfigError(f"cannot open --storage {storage!r}: {first_line(error)}",
                                  "pass an Optuna storage URL such as sqlite:///grid.db or "
                                  "journal:///shared/disk/sweep.log") from None
            time.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


def fail_stale(study: optuna.Study, grace: float = GRACE_SECONDS) -> int:
    """Mark FAILED every RUNNING trial whose worker stopped beating; returns how many."""
    now = time.time()
    failed = 0
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        started = trial.datetime_start.timestamp() if trial.datetime_start else now
        last = float(trial.user_attrs.get(_HEARTBEAT_ATTR, started))  # never beat: its start
        if now - last > grace:
            study.tell(trial.number, state=TrialState.FAIL, skip_if_finished=True)
            failed += 1
    return failed


@contextmanager
def heartbeat(trial: optuna.Trial, every: float = _HEARTBEAT_SECONDS) -> Iterator[None]:
    """Refresh the trial's heartbeat from a thread while the block runs (a training step
    may take longer than the beat)."""
    stop = threading.Event()

    def beat() -> None:
        while True:
            trial.set_user_attr(_HEARTBEAT_ATTR, time.time())
            if stop.wait(every):
                return

    thread = threading.Thread(target=beat, name=f"trainprobe-heartbeat-{trial.number}",
                              daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
