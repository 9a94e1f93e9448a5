from django.urls import URLPattern, URLResolver

app_name = "canteen"
urlpatterns: list[URLPattern | URLResolver] = []
