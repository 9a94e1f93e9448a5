from django.urls import path

from xingfuli.grid import views

app_name = "grid"
urlpatterns = [
    path("", views.grids, name="grids"),
    path("<int:grid_id>/", views.grid, name="grid"),
    path("<int:grid_id>/staff/add/", views.staff_add, name="staff_add"),
    path("<int:grid_id>/staff/remove/", views.staff_remove, name="staff_remove"),
    path("<int:grid_id>/buildings/", views.grid_buildings, name="grid_buildings"),
    path("visits/", views.visits, name="visits"),
    path("visits/<int:visit_id>/", views.visit, name="visit"),
    path("dwellings/<int:dwelling_id>/visit/", views.visit_new, name="visit_new"),
    path("overdue/", views.overdue, name="overdue"),
    path("roster/", views.roster, name="roster"),
    path("calendar/", views.calendar, name="calendar"),
    path("<slug:community>/<int:sequence>/card/", views.card, name="card"),
]
