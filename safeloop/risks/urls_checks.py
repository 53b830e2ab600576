from django.urls import URLPattern, path

from safeloop.risks import views_checks as views

urlpatterns: list[URLPattern] = [
    path("checks/", views.check_list, name="checks"),
    path("checks/<uuid:uuid>/", views.check_record, name="check"),
]
