"""Shell pages: the home page and the audit log (audit administrator only, 三员分立)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safeloop.accounts.choices import Role
from safeloop.core import audit, selectors
from safeloop.core.permissions import role_required

EVENTS_PER_PAGE = 50


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"summary": selectors.home_summary(actor=request.user)})


@role_required(Role.AUDIT_ADMIN)
def audit_log(request: HttpRequest) -> HttpResponse:
    filterset = selectors.audit_events(actor=request.user, params=request.GET)
    page = Paginator(filterset.qs, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    status = 400 if filterset.form.errors else 200
    return render(request, "core/audit_log.html", {"filter": filterset, "page": page}, status=status)


@require_POST
@role_required(Role.AUDIT_ADMIN)
def audit_verify(request: HttpRequest) -> HttpResponse:
    """Re-compute the hash chain; say it is whole, or name the first bad row."""
    broken = audit.verify_chain()
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "core/_verify_result.html", {"broken": broken, "verified": True})
    if broken is None:
        messages.success(request, _("The audit chain is intact: no row was changed, removed or re-ordered."))
    else:
        messages.error(
            request,
            _("The audit chain is broken at row #%(position)d: %(reason)s")
            % {"position": broken.position, "reason": broken.reason},
        )
    return redirect("core:audit_log")
