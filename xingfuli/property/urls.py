from django.urls import URLPattern

app_name = "property"

urlpatterns: list[URLPattern] = []
