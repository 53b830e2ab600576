"""Account pages: log in/out, profile and password, user administration, the security policy.

Views parse input, call one service or selector and render; role-restricted pages answer 404."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from safeloop.accounts import selectors, services
from safeloop.accounts.choices import Role
from safeloop.accounts.forms import (
    LoginForm,
    MembershipAddForm,
    PasswordChangeForm,
    SecurityPolicyForm,
    UserCreateForm,
    UserUpdateForm,
)
from safeloop.accounts.models import Membership, SecurityPolicy, User
from safeloop.core.errors import FieldErrors
from safeloop.core.forms import apply_field_errors
from safeloop.core.permissions import has_role, role_required

IDLE_LOGOUT = "safeloop_idle_logout"  # set by IdleTimeoutMiddleware on the fresh session
USERS_PER_PAGE = 50


def _actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class SafeLoopLoginView(LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.session.pop(IDLE_LOGOUT, False):
            minutes = SecurityPolicy.current().idle_timeout_minutes
            messages.warning(
                request,
                _("You were logged out after %(minutes)d minutes without activity. Please log in again.")
                % {"minutes": minutes},
            )
        return super().dispatch(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class SafeLoopLogoutView(LogoutView):
    """POST only (Django's rule); the `user_logged_out` signal writes the audit row."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        was_logged_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_logged_in:
            messages.success(request, _("You have logged out."))
        return response


login_view = SafeLoopLoginView.as_view()
logout_view = SafeLoopLogoutView.as_view()


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    memberships = selectors.user_memberships(user=request.user)
    return render(request, "accounts/profile.html", {"profile_user": request.user, "memberships": memberships})


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = _actor(request)
        try:
            services.password_change(
                actor=user,
                user=user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except FieldErrors as exc:
            apply_field_errors(form, exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password has been changed."))
            return redirect("accounts:profile")
    status = 400 if form.errors else 200
    return render(request, "accounts/password_change.html", {"form": form}, status=status)


# ---- user administration (system and security administrators) ------------------------------------


@role_required(Role.SYS_ADMIN, Role.SEC_ADMIN)
def user_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    users = selectors.user_list(actor=request.user, q=q)
    page = Paginator(users, USERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "q": q, "can_edit": has_role(request.user, Role.SYS_ADMIN)}
    return render(request, "accounts/user_list.html", context)


@role_required(Role.SYS_ADMIN)
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(actor=_actor(request), **form.cleaned_data)
        except FieldErrors as exc:
            apply_field_errors(form, exc)
        else:
            messages.success(request, _("User %(name)s created. Now give them a membership.") % {"name": user})
            return redirect("accounts:user_detail", uuid=user.uuid)
    status = 400 if form.errors else 200
    return render(request, "accounts/user_create.html", {"form": form}, status=status)


def _user_or_404(request: HttpRequest, uuid: Any) -> User:
    try:
        return selectors.user_get(actor=request.user, uuid=uuid)
    except User.DoesNotExist:
        raise Http404 from None


def _user_detail(
    request: HttpRequest,
    user: User,
    *,
    update_form: UserUpdateForm | None = None,
    membership_form: MembershipAddForm | None = None,
) -> HttpResponse:
    can_edit = has_role(request.user, Role.SYS_ADMIN)
    context = {
        "subject": user,
        "can_edit": can_edit,
        "update_form": update_form
        or UserUpdateForm(initial={"real_name": user.real_name, "is_active": user.is_active}),
        "membership_form": membership_form or MembershipAddForm(),
    }
    failed = (update_form is not None and update_form.errors) or (
        membership_form is not None and membership_form.errors
    )
    return render(request, "accounts/user_detail.html", context, status=400 if failed else 200)


@role_required(Role.SYS_ADMIN, Role.SEC_ADMIN)
def user_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    return _user_detail(request, _user_or_404(request, uuid))


@require_POST
@role_required(Role.SYS_ADMIN)
def user_update(request: HttpRequest, uuid: Any) -> HttpResponse:
    user = _user_or_404(request, uuid)
    form = UserUpdateForm(request.POST)
    if form.is_valid():
        try:
            services.user_update(actor=_actor(request), user=user, **form.changes())
        except FieldErrors as exc:
            apply_field_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("accounts:user_detail", uuid=user.uuid)
    return _user_detail(request, user, update_form=form)


@require_POST
@role_required(Role.SYS_ADMIN)
def user_unlock(request: HttpRequest, uuid: Any) -> HttpResponse:
    user = _user_or_404(request, uuid)
    services.user_unlock(actor=_actor(request), user=user)
    messages.success(request, _("%(name)s is unlocked and may log in again.") % {"name": user})
    return _back(request, "accounts:user_detail", uuid=user.uuid)


@require_POST
@role_required(Role.SYS_ADMIN)
def membership_add(request: HttpRequest, uuid: Any) -> HttpResponse:
    user = _user_or_404(request, uuid)
    form = MembershipAddForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.membership_add(
                actor=_actor(request),
                user=user,
                role=data["role"],
                division=data["division"],
                department=data["department"],
                enterprise=data["enterprise"],
                grid=data["grid"],
            )
        except FieldErrors as exc:
            apply_field_errors(form, exc)
        else:
            messages.success(request, _("Membership added."))
            return redirect("accounts:user_detail", uuid=user.uuid)
    user = _user_or_404(request, uuid)  # memberships as they are now
    return _user_detail(request, user, membership_form=form)


@require_POST
@role_required(Role.SYS_ADMIN)
def membership_remove(request: HttpRequest, uuid: Any) -> HttpResponse:
    user = _user_or_404(request, uuid)
    try:
        membership = selectors.membership_get(actor=request.user, user=user, pk=int(request.POST.get("membership", "")))
    except (ValueError, Membership.DoesNotExist):
        raise Http404 from None
    services.membership_remove(actor=_actor(request), membership=membership)
    messages.success(request, _("Membership removed."))
    return redirect("accounts:user_detail", uuid=user.uuid)


def _back(request: HttpRequest, default: str, **kwargs: Any) -> HttpResponseRedirect:
    """Return to the list the form was posted from (only our own pages), else to `default`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return redirect(default, **kwargs)


# ---- security policy (security administrator only) -----------------------------------------------


@role_required(Role.SEC_ADMIN)
def security_policy(request: HttpRequest) -> HttpResponse:
    form = SecurityPolicyForm(request.POST or None, instance=SecurityPolicy.current())
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.security_policy_update(actor=_actor(request), **values)
        except FieldErrors as exc:
            apply_field_errors(form, exc)
        else:
            messages.success(request, _("The security policy has been saved."))
            return redirect("accounts:security_policy")
    status = 400 if form.errors else 200
    return render(request, "accounts/security_policy.html", {"form": form}, status=status)
