from django.contrib.auth import views as auth_views
from django.urls import path

from xingfuli.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("messages/", views.inbox, name="inbox"),
    path("prefs/large-text/", views.large_text, name="large_text"),
    path("account/api-tokens/", views.api_tokens, name="api_tokens"),
    path("audit/", views.audit_log, name="audit"),
]
