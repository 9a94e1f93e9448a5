"""Import of the resident ledger (台账) from Excel (xlsx) or CSV.

    residents_import(actor=…, community=…, table=read_table(f, name), mapping=…, dry_run=…)
    import_job_create / import_job_start / import_job_run   the same, as a background job
"""

from xingfuli.registry.imports.columns import COLUMNS, Column, detect_mapping
from xingfuli.registry.imports.jobs import (
    access_import_community,
    access_import_job,
    import_communities_for,
    import_files_purge,
    import_job_create,
    import_job_run,
    import_job_start,
    import_jobs_for,
    job_is_startable,
)
from xingfuli.registry.imports.ledger import (
    ImportResult,
    residents_import,
    validate_mapping,
)
from xingfuli.registry.imports.reading import Table, read_table

__all__ = [
    "COLUMNS",
    "Column",
    "ImportResult",
    "Table",
    "access_import_community",
    "access_import_job",
    "detect_mapping",
    "import_communities_for",
    "import_files_purge",
    "import_job_create",
    "import_job_run",
    "import_job_start",
    "import_jobs_for",
    "job_is_startable",
    "read_table",
    "residents_import",
    "validate_mapping",
]
