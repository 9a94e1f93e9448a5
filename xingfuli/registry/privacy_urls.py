"""URLs of the personal-information pages; the project includes them under /registry/privacy/
in the registry's namespace: `path("privacy/", include(privacy_urlpatterns))` in registry/urls.py
(names: registry:privacy, registry:privacy_reveal, …)."""

from django.urls import path

from xingfuli.registry import privacy_views

urlpatterns = [
    path("<int:resident_id>/", privacy_views.privacy_page, name="privacy"),
    path("<int:resident_id>/reveal/", privacy_views.privacy_reveal, name="privacy_reveal"),
    path("<int:resident_id>/export/", privacy_views.privacy_export, name="privacy_export"),
    path("<int:resident_id>/erasure/", privacy_views.privacy_erasure_request,
         name="privacy_erasure_request"),
    path("<int:resident_id>/erasure/confirm/", privacy_views.privacy_erasure_confirm,
         name="privacy_erasure_confirm"),
    path("<int:resident_id>/erasure/cancel/", privacy_views.privacy_erasure_cancel,
         name="privacy_erasure_cancel"),
]
