"""Cited reference tables (``data/reference/*.csv``): loading, citation checks and stated-value parsing.

Values are read as their sources state them (``60-65``, ``1,400``, ``nearly 5``, ``over 2,600``) into numeric
bounds with the qualifier kept; anything that cannot be read, and any row without its citation, is refused with
an error naming the file and the row. The directory is always an argument: the assets pass
``macro_pipeline.settings.PROJECT_ROOT / "data" / "reference"``.
"""

from macro_pipeline.reference.tables import (
    CITATION_COLUMNS,
    REFERENCE_FILES,
    ReferenceError,
    ReferenceFile,
    load_reference,
    parse_reference,
    reference_files,
)
from macro_pipeline.reference.values import ReferenceValueError, StatedValue, parse_stated_value, qualifier_from_note

__all__ = ["CITATION_COLUMNS", "REFERENCE_FILES", "ReferenceError", "ReferenceFile", "ReferenceValueError",
           "StatedValue", "load_reference", "parse_reference", "parse_stated_value", "qualifier_from_note",
           "reference_files"]
