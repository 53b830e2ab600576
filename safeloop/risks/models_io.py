"""One upload of a 风险辨识清单 (xlsx) and its outcome; imported at the end of risks/models.py.

Like the enterprise and hazard-ledger imports (per-row errors, check only, all-or-nothing or valid rows
only, the file's bytes kept in the row only while a re-run may need them). A list of a few hundred rows
runs in the request; a longer one in the task worker, with progress here. The work is in
safeloop/risks/ledger.py."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from safeloop.core.models import PublicModel


class RiskImport(PublicModel):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        VALIDATING = "validating", _("Validating")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Mode(models.TextChoices):
        CHECK = "check", _("Only check the file; write nothing")
        ALL_OR_NOTHING = "all_or_nothing", _("Import only if every row is valid")
        VALID_ONLY = "valid_only", _("Import only the valid rows")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    file_name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("file"), editable=False, default=bytes)
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    valid_rows = models.PositiveIntegerField(_("valid rows"), default=0)
    created_count = models.PositiveIntegerField(_("points added"), default=0)
    updated_count = models.PositiveIntegerField(_("points updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("points unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(_("errors (first 1,000)"), default=list, blank=True)
    # Whether the rows were written (not a check, not refused for its errors).
    written = models.BooleanField(_("written"), default=False)
    failure = models.CharField(_("why it failed"), max_length=500, blank=True)
    rerun_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reruns", verbose_name=_("re-run of")
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("risk list import")
        verbose_name_plural = _("risk list imports")
        indexes = [models.Index(fields=["created_by", "-created_at"], name="risk_import_by_user")]

    def __str__(self) -> str:
        return self.file_name

    @property
    def error_rows(self) -> int:
        return len({error.get("row") for error in self.errors or []})
