"""Notification pages: the inbox (everyone), channels and deliveries (those who configure channels).
Views parse input, call one selector or service and render; other people's rows are a 404."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safeloop.core.errors import FieldErrors
from safeloop.core.forms import apply_field_errors
from safeloop.core.permissions import role_required
from safeloop.notifications import selectors, services
from safeloop.notifications.choices import DeliveryStatus
from safeloop.notifications.forms import ChannelForm
from safeloop.notifications.models import Channel
from safeloop.orgs.services import NotAllowed

PAGE_SIZE = 30
CONFIGURERS = tuple(selectors.CONFIGURERS)


# ---- inbox ---------------------------------------------------------------------------------------


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") in ("1", "true")
    page = Paginator(selectors.inbox(actor=request.user, unread=True if unread_only else None), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [
        {
            "id": n.uuid,
            "kind": n.message.kind,
            "title": n.message.rendered_title(),
            "body": n.message.rendered_body(),
            "url": n.message.url,
            "read": n.read,
            "created_at": n.created_at,
        }
        for n in page
    ]
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "rows": rows, "unread_only": unread_only},
    )


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    mark_all = request.POST.get("all") in ("1", "true")
    try:
        updated = services.notification_mark_read(
            actor=request.user, ids=None if mark_all else request.POST.getlist("ids"), all=mark_all
        )
    except FieldErrors as exc:
        messages.error(request, exc.errors[0]["message"])
    else:
        if mark_all:
            messages.success(
                request,
                ngettext("%(n)d notification marked read.", "%(n)d notifications marked read.", updated)
                % {"n": updated},
            )
    return redirect(_back(request, "notifications:inbox"))


@login_required
@require_GET
def open_notification(request: HttpRequest, uuid: Any) -> HttpResponse:
    """Mark the notification read and go to what it is about (only links inside this site)."""
    try:
        notification = selectors.notification_get(actor=request.user, uuid=uuid)
    except ObjectDoesNotExist:
        raise Http404 from None
    services.notification_mark_read(actor=request.user, ids=[notification.uuid])
    url = notification.message.url
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return redirect(url)
    return redirect("notifications:inbox")


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse(default)


# ---- channels ------------------------------------------------------------------------------------


@role_required(*CONFIGURERS)
@require_GET
def channel_list(request: HttpRequest) -> HttpResponse:
    channels = selectors.channel_list(actor=request.user)
    return render(
        request,
        "notifications/channel_list.html",
        {"channels": channels, "can_add": bool(selectors.unit_choices(request.user))},
    )


def _channel_or_404(request: HttpRequest, uuid: Any) -> Channel:
    try:
        return selectors.channel_get(actor=request.user, uuid=uuid)
    except ObjectDoesNotExist:
        raise Http404 from None


def _form_page(request: HttpRequest, form: ChannelForm, *, status: int = 200, refusal: str = "") -> HttpResponse:
    return render(
        request,
        "notifications/channel_form.html",
        {"form": form, "channel": form.channel, "refusal": refusal},
        status=status,
    )


def _save(request: HttpRequest, channel: Channel | None) -> HttpResponse:
    units = selectors.unit_choices(request.user)
    if request.method != "POST":
        return _form_page(request, ChannelForm(units=units, channel=channel))
    form = ChannelForm(request.POST, units=units, channel=channel)
    if not form.is_valid():
        return _form_page(request, form, status=422)
    try:
        saved = services.channel_save(actor=request.user, channel=channel, **form.service_data())
    except NotAllowed as exc:
        return _form_page(request, form, status=403, refusal=str(exc))
    except FieldErrors as exc:
        apply_field_errors(form, exc)
        return _form_page(request, form, status=422)
    messages.success(request, _("The channel %(name)s was saved.") % {"name": saved.name})
    return redirect("notifications:channel_list")


@role_required(*CONFIGURERS)
@require_http_methods(["GET", "POST"])
def channel_create(request: HttpRequest) -> HttpResponse:
    return _save(request, None)


@role_required(*CONFIGURERS)
@require_http_methods(["GET", "POST"])
def channel_edit(request: HttpRequest, uuid: Any) -> HttpResponse:
    return _save(request, _channel_or_404(request, uuid))


@role_required(*CONFIGURERS)
@require_POST
def channel_delete(request: HttpRequest, uuid: Any) -> HttpResponse:
    channel = _channel_or_404(request, uuid)
    services.channel_delete(actor=request.user, channel=channel)
    messages.success(request, _("The channel %(name)s was deleted.") % {"name": channel.name})
    return redirect("notifications:channel_list")


# ---- deliveries ----------------------------------------------------------------------------------


@role_required(*CONFIGURERS)
@require_GET
def delivery_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", selectors.PROBLEMS)
    if status not in (selectors.PROBLEMS, "all", *DeliveryStatus.values):
        status = selectors.PROBLEMS
    queryset = selectors.deliveries(actor=request.user, status=None if status == "all" else status)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(d, d.message.rendered_title()) for d in page]
    statuses = [(selectors.PROBLEMS, _("Needs attention")), ("all", _("All")), *DeliveryStatus.choices]
    return render(
        request,
        "notifications/delivery_list.html",
        {"page": page, "rows": rows, "status": status, "statuses": statuses},
    )


@role_required(*CONFIGURERS)
@require_POST
def delivery_retry(request: HttpRequest, uuid: Any) -> HttpResponse:
    try:
        delivery = selectors.delivery_get(actor=request.user, uuid=uuid)
    except ObjectDoesNotExist:
        raise Http404 from None
    try:
        services.delivery_retry(actor=request.user, delivery=delivery)
    except NotAllowed as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The delivery will be sent again."))
    return redirect(_back(request, "notifications:delivery_list"))
