from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "xingfuli.dashboard"
    label = "dashboard"
    verbose_name = _("Dashboard")

    def ready(self) -> None:
        # The registry and grid sections first, then each app's `summary.py` adds its own.
        from xingfuli.dashboard import selectors  # noqa: F401

        autodiscover_modules("summary")
