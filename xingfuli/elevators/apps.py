from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ElevatorsConfig(AppConfig):
    name = "xingfuli.elevators"
    label = "elevators"
    verbose_name = _("Elevator retrofits")
