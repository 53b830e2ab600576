"""One upload of a 风险辨识清单 (xlsx) and its outcome; imported at the end of risks/models.py.

Like the enterprise and hazard-ledger imports (core.models.ImportJob: per-row errors, all-or-nothing or
valid rows only, the file's bytes kept in the row only while a re-run may need them), plus a mode that
only checks the file. A list of a few hundred rows runs in the request; a longer one in the task worker,
with progress here. The work is in safeloop/risks/ledger.py."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from safeloop.core.models import ImportJob


class RiskImport(ImportJob):
    class Mode(models.TextChoices):
        CHECK = "check", _("Only check the file; write nothing")
        ALL_OR_NOTHING = "all_or_nothing", _("Import only if every row is valid")
        VALID_ONLY = "valid_only", _("Import only the valid rows")

    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    created_count = models.PositiveIntegerField(_("points added"), default=0)
    updated_count = models.PositiveIntegerField(_("points updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("points unchanged"), default=0)
    # Whether the rows were written (not a check, not refused for its errors).
    written = models.BooleanField(_("written"), default=False)

    class Meta(ImportJob.Meta):
        verbose_name = _("risk list import")
        verbose_name_plural = _("risk list imports")
        indexes = [models.Index(fields=["created_by", "-created_at"], name="risk_import_by_user")]
