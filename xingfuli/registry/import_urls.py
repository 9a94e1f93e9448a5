"""URLs of the ledger import and export; added to the registry's urlpatterns (namespace
"registry")."""

from django.urls import path

from xingfuli.registry import import_views

urlpatterns = [
    path("import/", import_views.import_upload, name="import"),
    path("import/template.xlsx", import_views.import_template, name="import_template"),
    path("import/<int:job_id>/", import_views.import_job, name="import_job"),
    path("export/", import_views.export, name="export"),
]
