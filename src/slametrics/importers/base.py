"""The importer contract: options, the result of a run, and the `Importer` base class."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pandas as pd

from slametrics.eventcodes import EventCodes

# finalize, link_events, sorted_events, ticket_codes: kept importable from here for callers
# outside the importers (the clock and metric-case tests build canonical frames with them)
from slametrics.importers.finalize import finalize
from slametrics.importers.headers import renamed_headers
from slametrics.importers.io import InputFile
from slametrics.importers.ordering import link_events, sorted_events, ticket_codes
from slametrics.problems import ProblemReport, once_per_file


@dataclass
class ImportOptions:
    """Options every importer accepts (DESIGN §8 `import`)."""

    tz: str | None = None
    mapping: Path | None = None
    source: str | None = None


@dataclass
class ImportResult:
    """Canonical frames from one importer run, with its problems and row accounting."""

    tickets: pd.DataFrame
    events: pd.DataFrame
    report: ProblemReport = field(default_factory=ProblemReport)
    importer: str = ""
    codes: EventCodes | None = None  # of `events` with `tickets` in id order, when known


class Importer:
    """An export format: detects its files and reads them into canonical tickets and events."""

    name: ClassVar[str]
    description: ClassVar[str]
    fidelity: ClassVar[str]
    default_tz: ClassVar[str] = "UTC"

    @classmethod
    def detect(cls, f: InputFile) -> int:
        """Confidence (0 = not mine, 100 = certain) that `f` is this importer's format."""
        return 0

    @classmethod
    def stream_key(cls, header: list[str], options: ImportOptions) -> str | None:
        """The column (as `csv_reader.unique_names` names it) holding each row's ticket id, when
        this importer reads a CSV file with that header row by row and ticket by ticket: a
        file larger than memory is then read in parts of whole tickets (`importers.stream`).
        None (the default): the file is read whole."""
        return None

    @classmethod
    def stream_coded(cls, header: list[str], options: ImportOptions) -> tuple[str, ...]:
        """Columns of a streamed file to read dictionary-encoded (as `read` would read them)."""
        return ()

    @classmethod
    def stream_source(cls, options: ImportOptions) -> str | None:
        """The source name `read` will give its rows, if known before reading: a streamed
        file's parts are then cut by the log's bucket hash (checked after reading)."""
        return None

    def read(self, files: list[InputFile], options: ImportOptions) -> ImportResult:
        raise NotImplementedError

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "read" in cls.__dict__:
            cls.read = _with_mapping_headers(cls.__dict__["read"])


def _with_mapping_headers(read):
    """`read` run with the --mapping file's `headers:` renames active, so that a vendor's
    localized export (headers no alias table knows) resolves through the vendor's own labels;
    its problems said once per file where the catalogue says so (`once_per_file`)."""

    @functools.wraps(read)
    def wrapper(self: Importer, files: list[InputFile], options: ImportOptions) -> ImportResult:
        if options.mapping is None:
            result = read(self, files, options)
        else:
            from slametrics.importers.options import load_mapping  # noqa: PLC0415 (cycle)

            with renamed_headers(load_mapping(options.mapping).headers):
                result = read(self, files, options)
        result.report.problems = once_per_file(result.report.problems)
        return result

    return wrapper


__all__ = [
    "ImportOptions",
    "ImportResult",
    "Importer",
    "finalize",
    "link_events",
    "sorted_events",
    "ticket_codes",
]
