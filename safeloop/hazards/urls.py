from django.urls import path

from safeloop.hazards import views_photos

app_name = "hazards"

urlpatterns = [
    path("photos/<uuid:photo_id>/", views_photos.photo, name="photo"),
    path("<uuid:hazard_id>/", views_photos.photo, name="detail"),  # replaced by the detail page
]
