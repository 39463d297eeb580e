"""Resources every asset shares: the catalog location (the observation source and warehouse live beside their code)."""

import dagster as dg

from macro_pipeline.catalog import Catalog, load_catalog


class CatalogResource(dg.ConfigurableResource):
    """The series catalog, units, claims and indicators; ``directory`` empty means the packaged catalog."""

    directory: str = ""

    def load(self) -> Catalog:
        return load_catalog(self.directory or None)
