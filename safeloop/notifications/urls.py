from django.urls import path

from safeloop.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read/", views.mark_read, name="mark_read"),
    path("<uuid:uuid>/open/", views.open_notification, name="open"),
    path("channels/", views.channel_list, name="channel_list"),
    path("channels/new/", views.channel_create, name="channel_create"),
    path("channels/<uuid:uuid>/edit/", views.channel_edit, name="channel_edit"),
    path("channels/<uuid:uuid>/delete/", views.channel_delete, name="channel_delete"),
    path("deliveries/", views.delivery_list, name="delivery_list"),
    path("deliveries/<uuid:uuid>/retry/", views.delivery_retry, name="delivery_retry"),
]
