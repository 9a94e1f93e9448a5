from django.urls import URLPattern, URLResolver

app_name = "elevators"
urlpatterns: list[URLPattern | URLResolver] = []
