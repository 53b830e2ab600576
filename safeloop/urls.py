from django.conf import settings
from django.urls import include, path
from django.views.i18n import set_language

from safeloop.accounts import views as account_views
from safeloop.api.urls import api
from safeloop.core import health
from safeloop.core import views as core_views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
    path("api/v1/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", core_views.home, name="home"),
    path("login/", account_views.login_view, name="login"),
    path("logout/", account_views.logout_view, name="logout"),
    path("", include("safeloop.accounts.urls")),
    path("", include("safeloop.core.urls")),
    path("orgs/", include("safeloop.orgs.urls")),
    path("hazards/", include("safeloop.hazards.urls")),
    path("risks/", include("safeloop.risks.urls")),
    path("inspections/", include("safeloop.inspections.urls")),
    path("m/", include("safeloop.inspections.urls_phone")),
    path("notifications/", include("safeloop.notifications.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
