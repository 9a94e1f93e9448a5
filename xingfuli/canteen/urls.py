from django.urls import URLPattern, URLResolver, path

from xingfuli.canteen import views

app_name = "canteen"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.today, name="today"),
    path("walk-in/", views.walk_in, name="walk_in"),
    path("orders/<int:order_id>/serve/", views.order_serve, name="order_serve"),
    path("orders/<int:order_id>/cancel/", views.order_cancel, name="order_cancel"),
    path("settings/", views.settings_page, name="settings"),
    path("dishes/", views.dishes, name="dishes"),
    path("menus/", views.menus, name="menus"),
    path("menus/<int:menu_id>/", views.menu_edit, name="menu_edit"),
    path("menus/<int:menu_id>/poster.pdf", views.menu_poster, name="menu_poster"),
    path("menu/", views.public_menu, name="menu"),
    path("diners/", views.diners, name="diners"),
    path("diners/<int:diner_id>/", views.diner, name="diner"),
    path("diners/<int:diner_id>/statement/<int:year>/<int:month>/", views.statement,
         name="statement"),
    path("mine/", views.mine, name="mine"),
    path("claims/", views.claim_now, name="claim_now"),
    path("claims/<int:year>/<int:month>/", views.claim, name="claim"),
    path("payments/", views.payments_now, name="payments_now"),
    path("payments/<int:year>/<int:month>/", views.payments, name="payments"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/sheets.pdf", views.delivery_sheets, name="delivery_sheets"),
    path("runs/", views.my_runs, name="my_runs"),
    path("runs/<int:run_id>/", views.run, name="run"),
    path("safety/", views.safety, name="safety"),
]
