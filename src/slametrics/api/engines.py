"""Engines for bucket-by-bucket queries: in-process (`local`) or on a Dask cluster (`dask`)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence

from slametrics.errors import UserError
from slametrics.metrics.buckets import MapFn, run_local

ENGINES = ("local", "dask")


def check_engine(engine: str, scheduler: str | None) -> None:
    if engine not in ENGINES:
        raise UserError(f"--engine {engine!r}: use one of {', '.join(ENGINES)}")
    if scheduler and engine != "dask":
        raise UserError("--scheduler is for --engine dask")


@contextlib.contextmanager
def engine_map(engine: str = "local", scheduler: str | None = None) -> Iterator[MapFn]:
    """A function running a per-bucket function over argument tuples, results in order.

    `dask` runs them on a Dask cluster: the one at `scheduler` (an address such as
    tcp://host:8786), else a local cluster of worker processes started for this query.
    """
    check_engine(engine, scheduler)
    if engine == "local":
        yield run_local
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise UserError(
            "--engine dask needs Dask's distributed scheduler: pip install 'slametrics[dask]'"
        ) from None
    with contextlib.ExitStack() as stack:
        if scheduler:
            try:
                client = stack.enter_context(Client(scheduler, timeout="10s"))
            except (OSError, TimeoutError) as exc:
                raise UserError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
        else:
            cluster = stack.enter_context(
                LocalCluster(processes=True, threads_per_worker=1, dashboard_address=":0")
            )
            client = stack.enter_context(Client(cluster))
        yield _dask_map(client)


def _dask_map(client) -> Callable[[Callable, Sequence[tuple]], list]:
    def run(fn: Callable, args: Sequence[tuple]) -> list:
        # pure=False: each bucket's task runs, whatever equal-looking arguments it shares
        futures = [client.submit(fn, *a, pure=False) for a in args]
        return client.gather(futures)

    return run
