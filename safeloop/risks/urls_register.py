from django.urls import URLPattern, path

from safeloop.risks import views_register as views

urlpatterns: list[URLPattern] = [
    path("", views.point_list, name="list"),
    path("<uuid:uuid>/", views.point_detail, name="detail"),
]
