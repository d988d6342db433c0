"""Importer detection: each importer's score on a file, the tie-breaks, and the mapping's say."""

from __future__ import annotations

from pathlib import Path

from slametrics.errors import UserError
from slametrics.importers.headers import renamed_headers
from slametrics.importers.io import InputFile
from slametrics.importers.options import load_mapping
from slametrics.importers.registry import IMPORTERS, get_importer

# (winner, loser): when the winner scores at all it beats the loser, whatever their scores;
# each importer scores only its own markers, and these rules settle files two of them claim
TIE_BREAKS: tuple[tuple[str, str], ...] = (
    *(("csv", name) for name in IMPORTERS if name != "csv"),  # a canonical CSV is ours
    ("jira", "zendesk"),  # Jira issues carry `fields`, as Zendesk's API tickets may
)


def importer_scores(f: InputFile, headers: dict[str, str] | None = None) -> dict[str, int]:
    """Each importer's confidence (0..100) in `f`, with a mapping's header renames applied."""
    with renamed_headers(headers or {}):
        return {name: get_importer(name).detect(f) for name in IMPORTERS}


def detect_importer(f: InputFile, headers: dict[str, str] | None = None) -> str:
    """The importer for `f`: the highest score after the tie-breaks (`TIE_BREAKS`)."""
    scores = importer_scores(f, headers)
    beaten = {loser for winner, loser in TIE_BREAKS if scores.get(winner, 0) > 0}
    candidates = {n: s for n, s in scores.items() if s > 0 and n not in beaten}
    if not candidates:
        raise UserError(
            f"{f.name}: format not recognized from its header/keys; name it with --importer "
            f"({', '.join(sorted(IMPORTERS))}) or give a --mapping file for the csv importer"
        )
    return max(candidates, key=lambda n: candidates[n])


def importer_for(f: InputFile, mapping: Path | None) -> tuple[str, str | None]:
    """(importer, notice) for `f` when no --importer is named; the notice says plainly how a
    --mapping file decided the importer, whenever a vendor's file is involved.

    A mapping naming `importer:` is for that importer. One that maps columns is for the csv
    importer; one that only translates headers/statuses is for the detected vendor.
    """
    if mapping is None:
        return detect_importer(f), None
    m = load_mapping(mapping)
    if m.importer is not None:
        get_importer(m.importer)  # an unknown name lists the valid ones
        return m.importer, None
    try:
        vendor = detect_importer(f, m.headers)
    except UserError:
        vendor = None
    if m.is_column_map():
        if vendor in (None, "csv"):
            return "csv", None
        return "csv", (
            f"{f.name} looks like a {vendor} export; it was read with the csv importer because "
            f"the mapping {mapping.name} maps columns. Name --importer {vendor} to read it as "
            f"{vendor} with the mapping's headers and statuses applied."
        )
    if vendor is None:
        raise UserError(
            f"{f.name}: not recognized, even with the headers of the mapping {mapping.name}; name "
            f"the importer with --importer ({', '.join(sorted(IMPORTERS))}), or map its columns "
            "for the csv importer (`columns:`)"
        )
    return vendor, f"{f.name}: read as a {vendor} export with the mapping {mapping.name} applied"
