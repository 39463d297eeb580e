"""The mart kit: a mart is declared once, beside its transform, and everything else is derived from that.

A declaration names the table (``marts.<name>``), its pandera model and key, its inputs (staging series, cited
reference tables, catalog files, other marts), the pure polars transform, extra checks and the claims it serves.
From it the project derives the table registry entry (DDL, COMMENTs, ``catalog.tables`` with its upstream tables),
the Dagster asset with its checks and metadata (``macro_pipeline.defs.marts``), validation, the write, and the
mart's status in ``meta.marts`` that the scorecard reads. This module does not import Dagster: a transform and its
declaration are testable without it.

Adding a mart touches four files: ``transforms/<domain>.py`` (the function and its ``@mart`` declaration),
``schemas/<domain>.py`` (the model), catalog rows (``series.csv`` for new series, ``indicators.csv`` and
``claim_rules.csv`` for what it publishes and how a claim is judged) and a test.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandera.polars as pa
import polars as pl

from macro_pipeline.catalog import validate_series_id

MART_SCHEMA = "marts"
STATUS_BUILT = "built"
STATUS_FAILED = "failed"
STATUS_INSUFFICIENT = "insufficient data"
MART_STATUSES = (STATUS_BUILT, STATUS_FAILED, STATUS_INSUFFICIENT)


class MartDeclarationError(ValueError):
    """A mart declaration is inconsistent (unknown table schema, key not in the model, duplicate name)."""


# ---------------------------------------------------------------------------------------------------------------
# inputs


@dataclass(frozen=True)
class Series:
    """Observations of catalog series, one value per (series_id, date), in each series' **base unit** (the
    catalog's units.csv: e.g. millions of dollars arrive as billions); columns series_id, date, value, unit_id
    (the base unit), realtime_start.

    ``vintage='latest'`` reads ``staging.observations`` (validated, latest vintage); ``'first_release'`` reads the
    first vintage the store holds of each observation (``raw.observations_first_release``). ``required`` are the
    series without which the mart has insufficient data (default: all of ``series_ids``)."""

    series_ids: tuple[str, ...]
    vintage: str = "latest"
    required: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        for series_id in self.series_ids:
            validate_series_id(series_id)
        if self.vintage not in ("latest", "first_release"):
            raise MartDeclarationError(f"vintage must be 'latest' or 'first_release', not {self.vintage!r}")
        unknown = set(self.required or ()) - set(self.series_ids)
        if unknown:
            raise MartDeclarationError(f"required series {sorted(unknown)} are not among the inputs")

    @property
    def table(self) -> str:
        return "staging.observations" if self.vintage == "latest" else "raw.observations"

    @property
    def required_series(self) -> tuple[str, ...]:
        return self.series_ids if self.required is None else self.required


@dataclass(frozen=True)
class FileTable:
    """A parsed file with an asset of its own, stored as ``<schema>.<name>`` in the working database."""

    name: str
    schema: ClassVar[str]

    @property
    def table(self) -> str:
        return f"{self.schema}.{self.name}"


class Reference(FileTable):
    """A cited reference table (``data/reference/<name>.csv``), parsed and validated once by its own asset."""

    schema = "reference"


class CatalogFile(FileTable):
    """A versioned assumptions file of the catalog (e.g. ``power_assumptions``), parsed and validated once by its
    own asset (``config.<name>``)."""

    schema = "config"


@dataclass(frozen=True)
class Mart:
    """Another mart's table, as its last successful build wrote it."""

    name: str

    @property
    def table(self) -> str:
        return self.name


@dataclass(frozen=True)
class ReleaseNotes:
    """Per series, the source's note on which release the stored copy comes from (``raw.fetch_log.detail``), as
    a dict series_id -> note."""

    @property
    def table(self) -> str:
        return "raw.fetch_log"


Input = Series | Reference | CatalogFile | Mart | ReleaseNotes


# ---------------------------------------------------------------------------------------------------------------
# checks and the declaration


@dataclass(frozen=True)
class CheckOutcome:
    passed: bool
    description: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MartCheck:
    """A check beyond the model's own: ``evaluate(frame, **inputs)`` returns a CheckOutcome. An ``error`` check
    that fails keeps the table from being written (the mart is ``failed``); a ``warn`` check is reported only."""

    name: str
    description: str
    evaluate: Callable[..., CheckOutcome]
    severity: str = "error"

    def __post_init__(self) -> None:
        if self.severity not in ("error", "warn"):
            raise MartDeclarationError(f"check {self.name}: severity must be 'error' or 'warn'")


@dataclass(frozen=True)
class MartSpec:
    name: str
    model: type[pa.DataFrameModel]
    key: tuple[str, ...]
    inputs: Mapping[str, Input]
    transform: Callable[..., pl.DataFrame]
    claim_ids: tuple[str, ...]
    description: str
    date_column: str | None = None
    units: str | None = None
    checks: tuple[MartCheck, ...] = ()
    summary: Callable[..., Mapping[str, Any]] | None = None

    @property
    def table(self) -> str:
        return self.name.split(".", 1)[1]

    @property
    def grain(self) -> str:
        return "(" + ", ".join(self.key) + ")"

    @property
    def upstream(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.table for i in self.inputs.values()))

    @property
    def check_name(self) -> str:
        """The name of the check every mart has: it fits its model and is unique on its key."""
        return f"{self.table}_is_valid"

    def columns(self) -> list[str]:
        return list(self.model.to_schema().columns)

    def input_series(self) -> list[str]:
        return sorted({s for i in self.inputs.values() if isinstance(i, Series) for s in i.series_ids})


_REGISTRY: dict[str, MartSpec] = {}
_DISCOVERED = False


def mart(name: str, *, model: type[pa.DataFrameModel], key: tuple[str, ...] | list[str],
         inputs: Mapping[str, Input], claims: tuple[str, ...] | list[str] | str, date_column: str | None = None,
         units: str | None = None, checks: tuple[MartCheck, ...] | list[MartCheck] = (),
         summary: Callable[..., Mapping[str, Any]] | None = None) -> Callable:
    """Declare the decorated pure function as the transform of mart ``name`` (``marts.<table>``).

    The function is called with one keyword argument per input and returns the table (extra columns are
    dropped, the model's order is kept). Its docstring is the asset's description in the Dagster UI."""

    def register_transform(transform: Callable[..., pl.DataFrame]) -> Callable[..., pl.DataFrame]:
        register(MartSpec(
            name=name, model=model, key=tuple(key), inputs=dict(inputs), transform=transform,
            claim_ids=(claims,) if isinstance(claims, str) else tuple(claims),
            description=inspect.getdoc(transform) or "", date_column=date_column, units=units,
            checks=tuple(checks), summary=summary))
        return transform

    return register_transform


def register(spec: MartSpec) -> MartSpec:
    """Add a mart to the registry (the ``@mart`` decorator calls this; tests may register a toy mart)."""
    schema, _, table = spec.name.partition(".")
    if schema != MART_SCHEMA or not table:
        raise MartDeclarationError(f"{spec.name}: a mart's table is 'marts.<name>'")
    if spec.name in _REGISTRY and _REGISTRY[spec.name].transform is not spec.transform:
        raise MartDeclarationError(f"{spec.name} is declared twice")
    columns = spec.columns()
    missing_key = [k for k in spec.key if k not in columns]
    if missing_key or not spec.key:
        raise MartDeclarationError(f"{spec.name}: key {list(spec.key)} must be columns of {spec.model.__name__}")
    if spec.date_column and spec.date_column not in columns:
        raise MartDeclarationError(f"{spec.name}: date_column {spec.date_column!r} is not a column")
    if not spec.description or len(spec.description) < 40:
        raise MartDeclarationError(f"{spec.name}: the transform needs a docstring an analyst can read")
    parameters = set(inspect.signature(spec.transform).parameters)
    if parameters != set(spec.inputs):
        raise MartDeclarationError(f"{spec.name}: inputs {sorted(spec.inputs)} do not match the transform's "
                                   f"parameters {sorted(parameters)}")
    _REGISTRY[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)


def discover() -> None:
    """Import every transform module once, so every ``@mart`` declaration is registered."""
    global _DISCOVERED
    if _DISCOVERED:
        return
    import macro_pipeline.transforms as package

    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    _DISCOVERED = True


def registered_marts() -> list[MartSpec]:
    """Every declared mart, upstream marts before the marts that read them."""
    discover()
    ordered: list[MartSpec] = []
    seen: set[str] = set()

    def visit(spec: MartSpec, path: tuple[str, ...]) -> None:
        if spec.name in seen:
            return
        if spec.name in path:
            raise MartDeclarationError(f"marts read each other in a cycle: {' -> '.join((*path, spec.name))}")
        for source in spec.inputs.values():
            if isinstance(source, Mart):
                if source.name not in _REGISTRY:
                    raise MartDeclarationError(f"{spec.name} reads {source.name}, which is not a declared mart")
                visit(_REGISTRY[source.name], (*path, spec.name))
        seen.add(spec.name)
        ordered.append(spec)

    for spec in list(_REGISTRY.values()):
        visit(spec, ())
    return ordered


def mart_spec(name: str) -> MartSpec:
    discover()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"{name!r} is not a declared mart; declared: {sorted(_REGISTRY)}") from None


# ---------------------------------------------------------------------------------------------------------------
# running a mart (pure: inputs in, outcome out)


@dataclass(frozen=True)
class MartOutcome:
    """What building a mart gave: the table (empty unless built), its status and reason, and every check."""

    spec: MartSpec
    frame: pl.DataFrame
    status: str
    reason: str | None
    checks: Mapping[str, CheckOutcome]
    failures: pl.DataFrame | None = None

    @property
    def written(self) -> bool:
        return self.status != STATUS_FAILED


def empty_table(spec: MartSpec) -> pl.DataFrame:
    schema = spec.model.to_schema().columns
    return pl.DataFrame(schema={name: column.dtype.type for name, column in schema.items()})


def missing_required_series(spec: MartSpec, inputs: Mapping[str, Any]) -> list[str]:
    missing: set[str] = set()
    for name, source in spec.inputs.items():
        if isinstance(source, Series):
            present = set(inputs[name].filter(pl.col("value").is_not_null())["series_id"].unique().to_list())
            missing |= set(source.required_series) - present
    return sorted(missing)


def build_mart(spec: MartSpec, inputs: Mapping[str, Any]) -> MartOutcome:
    """Run the transform on its inputs, validate the result against the model and its key, run the extra checks.

    Never raises for data problems: a required series without data gives ``insufficient data`` (an empty table,
    nothing invented); an exception in the transform, a model failure or a failed error-severity check gives
    ``failed`` (the table must not be written; its previous version stays)."""
    from macro_pipeline.transforms.validation import validate, with_duplicate_check

    missing = missing_required_series(spec, inputs)
    if missing:
        return MartOutcome(spec, empty_table(spec), STATUS_INSUFFICIENT,
                           f"no data for required series {', '.join(missing)}", {})
    try:
        frame = spec.transform(**inputs)
        frame = frame.select(spec.columns())
    except Exception as err:  # noqa: BLE001 - any failure of one mart is reported, and the others still publish
        return MartOutcome(spec, empty_table(spec), STATUS_FAILED, f"the transform raised {type(err).__name__}: {err}",
                           {})
    report = validate(spec.model, frame, spec.key)
    report = with_duplicate_check(report, frame.sort(list(spec.key), nulls_last=True), spec.key)
    outcomes = {spec.check_name: CheckOutcome(report.ok, None if report.ok else report.summary(max_rows=5),
                                              {"failing_row_checks": report.failures.height})}
    for check in spec.checks:
        try:
            outcomes[check.name] = check.evaluate(frame, **inputs)
        except Exception as err:  # noqa: BLE001 - a check that crashes fails, naming why
            outcomes[check.name] = CheckOutcome(False, f"the check raised {type(err).__name__}: {err}")
    failed = [name for name, outcome in outcomes.items() if not outcome.passed and _severity(spec, name) == "error"]
    if failed:
        # the check's summary and its first failing rows (each names the row's key, the column and the rule)
        reasons = "; ".join(f"{name}: " + " ".join(line.strip() for line in
                                                   (outcomes[name].description or "failed").splitlines()[:3])
                            for name in failed)
        return MartOutcome(spec, frame, STATUS_FAILED, f"check failed: {reasons}", outcomes,
                           report.failures if not report.ok else None)
    if frame.is_empty():
        return MartOutcome(spec, frame, STATUS_INSUFFICIENT, "the inputs give no rows", outcomes)
    return MartOutcome(spec, frame, STATUS_BUILT, None, outcomes)


def _severity(spec: MartSpec, check_name: str) -> str:
    for check in spec.checks:
        if check.name == check_name:
            return check.severity
    return "error"
