"""The dashboard's records: runs of the monthly report (Excel and PDF), built in the background.

A run is one request for one community's report of one month. While it waits or builds, asking
again for the same community and month returns it (one queued or running run per month, enforced
by a partial unique constraint); a finished one can be built again as a new run, and the older
run's files are deleted only once the new files are saved (`superseded_by`).
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xingfuli.core.models import Community
from xingfuli.core.scoping import ScopePaths


class ReportRun(models.Model):
    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("monthly report")

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("being built")
        DONE = "done", _("ready")
        FAILED = "failed", _("failed")

    # Community staff read and ask; street officers read (street scope is read-only). Grid
    # staff, residents and module roles have no path here: a report covers the whole community.
    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="community")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="report_runs",
        verbose_name=_("community"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.MONTHLY)
    month = models.DateField(_("month"), help_text=_("The first day of the month reported."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.PositiveSmallIntegerField(_("step"), default=0)
    requested_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("asked by"),
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    xlsx = models.FileField(_("Excel file"), upload_to="reports/%Y/%m/", blank=True)
    pdf = models.FileField(_("PDF file"), upload_to="reports/%Y/%m/", blank=True)
    error = models.TextField(_("error"), blank=True)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("replaced by"),
    )

    class Meta:
        verbose_name = _("report run")
        verbose_name_plural = _("report runs")
        ordering = ["-month", "-created_at", "-id"]
        indexes = [models.Index(fields=["community", "-month", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "kind", "month"],
                condition=Q(status__in=["queued", "running"]),
                name="dashboard_one_pending_report_per_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.month:%Y-%m} ({self.get_status_display()})"
