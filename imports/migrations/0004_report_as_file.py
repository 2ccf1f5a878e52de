"""The per-row report moves from the ImportRow table into a CSV file per import
(imports.reports); the rows of earlier imports are written into their files first, and
their reasons counted, so no report is lost."""

import csv
import os
import secrets
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.db import migrations, models


def rows_to_files(apps, schema_editor):
    ImportJob = apps.get_model("imports", "ImportJob")
    ImportRow = apps.get_model("imports", "ImportRow")
    folder = Path(settings.VAR_DIR) / "imports"
    for job in ImportJob.objects.all().iterator():
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{secrets.token_hex(16)}.report.csv"
        reasons: Counter[str] = Counter()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            lines = (
                ImportRow.objects.filter(job_id=job.pk)
                .order_by("row")
                .values_list("row", "address", "outcome", "reason")
            )
            for row, address, outcome, reason in lines.iterator(chunk_size=5000):
                writer.writerow((row, address, outcome, reason))
                if reason:
                    reasons[reason] += 1
            out.flush()
            os.fsync(out.fileno())
            size = out.tell()
        ImportJob.objects.filter(pk=job.pk).update(
            report_path=str(path), report_size=size, reasons=dict(reasons)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0003_import_row_unchecked_references"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="report_path",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.AddField(
            model_name="importjob",
            name="report_size",
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="importjob",
            name="reasons",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(rows_to_files, migrations.RunPython.noop, elidable=False),
        migrations.DeleteModel(name="ImportRow"),
    ]
