"""The importers: the light registry (names, descriptions) here, detection and classes on demand.

Importing this package loads no pandas: `slametrics formats` and `--help` read the registry only;
the names below past the registry's are imported on first use (PEP 562).
"""

from __future__ import annotations

import importlib
from typing import Any

from slametrics.importers.registry import IMPORTER_INFO, IMPORTERS, ImporterInfo, get_importer

_LAZY = {
    "TIE_BREAKS": "slametrics.importers.detection",
    "detect_importer": "slametrics.importers.detection",
    "importer_for": "slametrics.importers.detection",
    "importer_scores": "slametrics.importers.detection",
    "Importer": "slametrics.importers.base",
    "ImportOptions": "slametrics.importers.base",
    "ImportResult": "slametrics.importers.base",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "IMPORTERS",
    "IMPORTER_INFO",
    "Importer",
    "ImporterInfo",
    "ImportOptions",
    "ImportResult",
    "TIE_BREAKS",
    "get_importer",
    "detect_importer",
    "importer_for",
    "importer_scores",
]
