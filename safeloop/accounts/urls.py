"""Account pages. Log in and log out live in safeloop/urls.py under the global names "login" and
"logout" (LOGIN_URL and LOGOUT_REDIRECT_URL name them)."""

from django.urls import path

from safeloop.accounts import views

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/password/", views.password_change, name="password_change"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<uuid:uuid>/", views.user_detail, name="user_detail"),
    path("users/<uuid:uuid>/edit/", views.user_update, name="user_update"),
    path("users/<uuid:uuid>/unlock/", views.user_unlock, name="user_unlock"),
    path("users/<uuid:uuid>/memberships/add/", views.membership_add, name="membership_add"),
    path("users/<uuid:uuid>/memberships/remove/", views.membership_remove, name="membership_remove"),
    path("security-policy/", views.security_policy, name="security_policy"),
]
