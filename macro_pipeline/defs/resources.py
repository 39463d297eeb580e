"""Resources every asset shares: where the catalog files and the cited reference tables are read from."""

from pathlib import Path

import dagster as dg

from macro_pipeline.catalog import PACKAGED_CATALOG_DIR, Catalog, load_catalog


class CatalogResource(dg.ConfigurableResource):
    """The product's facts as files: the catalog (series, units, claims, indicators, AI-investment definitions,
    power assumptions; ``directory`` empty means the packaged catalog) and the cited reference tables
    (``reference_directory``, default ``data/reference``)."""

    directory: str = ""
    reference_directory: str = ""

    def load(self) -> Catalog:
        return load_catalog(self.directory or None)

    def file(self, name: str) -> Path:
        """A catalog file other than the four of ``load()``, e.g. 'power_assumptions.csv'."""
        if "/" in name or not name.endswith(".csv"):
            raise ValueError(f"not a catalog file name: {name!r}")
        return Path(self.directory or PACKAGED_CATALOG_DIR) / name

    def reference_dir(self) -> Path:
        if not self.reference_directory:
            from macro_pipeline.settings import reference_dir

            return reference_dir()
        return Path(self.reference_directory)
