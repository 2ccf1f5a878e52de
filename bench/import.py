"""Import speed and memory (IMPORT-9): a generated CSV with every check on, next to a raw
bulk load of the same rows in the same run (SQLite executemany into a bare table,
PostgreSQL COPY).

Run: .venv/bin/python bench/import.py [ROWS] [--xlsx]   (default 1,000,000; a throw-away
SQLite database, or DATABASE_URL). With --xlsx the import reads the same rows from an XLSX
file written as Excel writes one (every text in the shared-strings table); the raw load
still reads the CSV. The file mixes valid new addresses, invalid syntax, role
addresses, duplicates within the file, addresses on the suppression list and existing U
contacts. Peak memory is the process's maximum resident set size, and its reader
process's.

A third figure is what the import writes at least, without any check: the contacts it
creates and their subscriptions, with values computed beforehand, into tables shaped like
the product's (same columns and indexes, no foreign keys). No checked import can be faster
than that; it shows how much of the gap to the raw load the schema itself sets.
"""

from __future__ import annotations

import csv
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(1, str(Path(__file__).resolve().parent))
os.environ.setdefault("CONSENTRY_VAR_DIR", tempfile.mkdtemp(prefix="consentry-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from memory import ChildMemory  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def kind_of(n: int) -> str:
    """The row mix, by position: 80 % new, 4 % invalid, 3 % role, 5 % duplicate,
    3 % suppressed, 5 % existing U contacts."""
    k = n % 100
    if k < 80:
        return "new"
    if k < 84:
        return "invalid"
    if k < 87:
        return "role"
    if k < 92:
        return "duplicate"
    if k < 95:
        return "suppressed"
    return "existing"


def address_of(n: int, run: str) -> str:
    kind = kind_of(n)
    if kind == "invalid":
        return f"broken{n}.example.com"
    if kind == "role":
        return f"info@role{n}.example.com"
    if kind == "duplicate":
        return f"p{n - 50}.{run}@example.com"
    return f"p{n}.{run}@example.com"


def generate(path: Path, rows: int, run: str) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["email", "first_name", "last_name", "city"])
        for n in range(rows):
            writer.writerow([address_of(n, run), f"Vorname{n % 997}", f"Name{n % 991}", "Köln"])


XLSX_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Kontakte" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
    ),
}


def generate_xlsx(path: Path, rows: int, run: str) -> None:
    """The rows of `generate` as an XLSX file with every text in the shared-strings table.
    The table's order is fixed so that no index of millions of strings is held here: the
    header, the city, the first and last names, then each row's address."""
    import zipfile

    header = ["email", "first_name", "last_name", "city"]
    first, last = len(header) + 1, len(header) + 1 + 997
    base = last + 991
    main = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in XLSX_PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f"<worksheet {main}><sheetData>".encode())
            cells = "".join(f'<c r="{c}1" t="s"><v>{i}</v></c>' for i, c in enumerate("ABCD"))
            sheet.write(f'<row r="1">{cells}</row>'.encode())
            for n in range(rows):
                r = n + 2
                sheet.write(
                    f'<row r="{r}"><c r="A{r}" t="s"><v>{base + n}</v></c>'
                    f'<c r="B{r}" t="s"><v>{first + n % 997}</v></c>'
                    f'<c r="C{r}" t="s"><v>{last + n % 991}</v></c>'
                    f'<c r="D{r}" t="s"><v>4</v></c></row>'.encode()
                )
            sheet.write(b"</sheetData></worksheet>")
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as strings:
            strings.write(f"<sst {main}>".encode())
            texts = [*header, "Köln"]
            texts += [f"Vorname{i}" for i in range(997)] + [f"Name{i}" for i in range(991)]
            strings.write("".join(f"<si><t>{t}</t></si>" for t in texts).encode())
            for n in range(rows):
                strings.write(f"<si><t>{address_of(n, run)}</t></si>".encode())
            strings.write(b"</sst>")


def raw_load(path: Path) -> float:
    """The floor: the same rows into a bare table, read with the csv module."""
    start = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE bench_raw (email text, first_name text, last_name text, "
                "city text)"
            )
            with (
                cursor.connection.cursor().copy(
                    "COPY bench_raw FROM STDIN WITH (FORMAT csv, HEADER true)"
                ) as copy,
                path.open("rb") as fh,
            ):
                while block := fh.read(1 << 20):
                    copy.write(block)
            cursor.execute("DROP TABLE bench_raw")
    else:
        import sqlite3

        db = sqlite3.connect(path.parent / "raw.sqlite3")
        db.execute(
            "CREATE TABLE bench_raw (email text, first_name text, last_name text, city text)"
        )
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            next(reader)
            batch: list[list[str]] = []
            for row in reader:
                batch.append(row)
                if len(batch) == 5000:
                    db.executemany("INSERT INTO bench_raw VALUES (?, ?, ?, ?)", batch)
                    db.commit()
                    batch = []
            db.executemany("INSERT INTO bench_raw VALUES (?, ?, ?, ?)", batch)
            db.commit()
        db.close()
    return time.perf_counter() - start


def contact_row(i: int, address: str, digest: str, fields: str, now: str) -> tuple[object, ...]:
    names = (f"Vorname{i % 997}", f"Name{i % 991}")
    return (
        i + 1,
        1,
        address,
        digest,
        "A",
        "double_opt_in",
        *names,
        fields,
        now,
        now,
        1,
        i + 2,
        "A",
    )


def writes_floor(rows: int, run: str, folder: Path) -> tuple[float, int]:
    """What the import must write at least, without a check: the contacts it creates and
    their subscriptions, into tables shaped like the product's (the same columns and
    indexes; on PostgreSQL without the foreign keys), values computed beforehand, in
    batches as large as the import's. Returns (seconds, contacts written)."""
    from core.addresses import address_keyer
    from imports import services

    hashed = address_keyer()
    now = timezone.now().isoformat()
    fields = '{"city": "K\\u00f6ln"}'
    new = [address_of(n, run) for n in range(rows) if kind_of(n) == "new"]
    contacts = [contact_row(i, a, hashed(a), fields, now) for i, a in enumerate(new)]
    columns = (
        "id, account_id, address, address_hash, status, legal_basis, first_name, last_name, "
        "fields, created_at, status_changed_at, import_record, import_row, import_status"
    )
    subscription_columns = "contact_id, list_id, state, created_at, state_changed_at"
    size = services.BATCH
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("contacts_contact", "contacts_subscription"):
                cursor.execute(f"CREATE TABLE bench_{table} (LIKE {table} INCLUDING ALL)")
            start = time.perf_counter()
            for first in range(0, len(contacts), size):
                part = sorted(contacts[first : first + size], key=lambda c: c[3])
                copy_contacts = f"COPY bench_contacts_contact ({columns}) FROM STDIN"
                with cursor.cursor.copy(copy_contacts) as copy:
                    for contact in part:
                        copy.write_row(contact)
                copy_subscriptions = (
                    f"COPY bench_contacts_subscription ({subscription_columns}) FROM STDIN"
                )
                with cursor.cursor.copy(copy_subscriptions) as copy:
                    for contact in part:
                        copy.write_row((contact[0], 1, "confirmed", now, now))
                cursor.execute("COMMIT; BEGIN")
            took = time.perf_counter() - start
            for table in ("contacts_contact", "contacts_subscription"):
                cursor.execute(f"DROP TABLE bench_{table}")
        return took, len(contacts)
    import sqlite3

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name IN "
            "('contacts_contact', 'contacts_subscription') AND sql IS NOT NULL "
            "ORDER BY type DESC"  # tables before their indexes
        )
        schema = [row[0] for row in cursor.fetchall()]
    db = sqlite3.connect(folder / "floor.sqlite3", isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "cache_size = -65536"):
        db.execute(f"PRAGMA {pragma}")
    db.execute("PRAGMA wal_autocheckpoint = 16384")
    for statement in schema:
        db.execute(statement)
    marks = ", ".join(["?"] * 14)
    start = time.perf_counter()
    for first in range(0, len(contacts), size):
        part = sorted(contacts[first : first + size], key=lambda c: c[3])
        db.execute("BEGIN IMMEDIATE")
        db.executemany(f"INSERT INTO contacts_contact ({columns}) VALUES ({marks})", part)  # noqa: S608
        db.executemany(
            f"INSERT INTO contacts_subscription ({subscription_columns}) "  # noqa: S608
            "VALUES (?, 1, 'confirmed', ?, ?)",
            [(c[0], now, now) for c in part],
        )
        db.execute("COMMIT")
    took = time.perf_counter() - start
    db.close()
    return took, len(contacts)


def arrange(rows: int, run: str) -> tuple[object, object]:
    """An active account with a verified domain (set directly: no DNS in a benchmark),
    suppressed addresses and existing U contacts, written in bulk."""
    from accounts.models import ReviewState
    from accounts.services import change_review_state, create_account
    from contacts import services
    from contacts.models import Contact, Suppression
    from contacts.rules import Status
    from core.actors import Actor
    from core.addresses import address_key
    from domains import services as domains
    from domains.models import SenderDomain

    actor = Actor.system("bench")
    account = create_account(f"Bench {run}", slug=f"bench-{run}")
    change_review_state(account, ReviewState.ACTIVE)
    account.refresh_from_db()
    domain = domains.add_domain(account, f"{run}.bench.example", actor=actor)
    SenderDomain.objects.filter(pk=domain.pk).update(status="verified")
    lst = services.create_list(account, "News", actor=actor)
    now = timezone.now()
    suppressed: list[Suppression] = []
    existing: list[Contact] = []
    for n in range(rows):
        kind = kind_of(n)
        if kind == "suppressed":
            suppressed.append(
                Suppression(address_hash=address_key(address_of(n, run)), reason="complaint")
            )
        elif kind == "existing":
            address = address_of(n, run)
            existing.append(
                Contact(
                    account=account,
                    address=address,
                    address_hash=address_key(address),
                    status=Status.UNSUBSCRIBED,
                    legal_basis="double_opt_in",
                    status_changed_at=now,
                )
            )
        if len(suppressed) + len(existing) >= 5000 or n == rows - 1:
            # In chunks: the arrangement must not set the peak the import is measured by.
            Suppression.objects.bulk_create(suppressed)
            Contact.objects.bulk_create(existing)
            suppressed, existing = [], []
    return account, lst


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--xlsx"]
    rows = int(args[0]) if args else 1_000_000
    call_command("migrate", verbosity=0)
    from core.actors import Actor
    from imports import services

    run = str(time.time_ns())[-9:]
    folder = Path(tempfile.mkdtemp(prefix="consentry-bench-import-"))
    path = folder / "contacts.csv"
    generate(path, rows, run)
    source = path
    if "--xlsx" in sys.argv:
        source = folder / "contacts.xlsx"
        generate_xlsx(source, rows, run)
    account, lst = arrange(rows, run)
    raw_cpu = time.process_time()
    raw = raw_load(path)
    raw_cpu = time.process_time() - raw_cpu
    before = peak_mb()
    actor = Actor.system("bench")
    services.BATCH = int(os.environ.get("BENCH_BATCH", services.BATCH))
    start, cpu = time.perf_counter(), time.process_time()
    job = services.create_import(
        account,  # type: ignore[arg-type]
        lst,  # type: ignore[arg-type]
        source,
        file_name=source.name,
        actor=actor,
        source="double_opt_in",
    )
    # What the upload's request waits for: the file stored and read once for its checks.
    checked = time.perf_counter() - start
    for which in services.ATTESTATIONS:
        job = services.attest(job, which, actor=actor, confirmed=True)
    job = services.start_import(job, actor=actor, enqueue=False)
    with ChildMemory() as reader:
        job = services.run_import(job.pk)
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert job.state == "done", job.error
    peak = peak_mb()
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    children, child_cpu = reaped.ru_maxrss / 1024, reaped.ru_utime + reaped.ru_stime
    # After the import: the values it writes are held in memory, which the import's peak
    # must not include.
    floor, floor_rows = writes_floor(rows, run, folder)
    assert job.rows_done == rows
    print(
        f"database: {connection.vendor}, rows: {rows:,}, file: {source.suffix[1:]}, "
        f"{source.stat().st_size / 1e6:.1f} MB; checked on upload in {checked:.1f} s"
    )
    print(
        f"outcomes: {job.created:,} created, {job.updated:,} updated, "
        f"{job.unchanged:,} unchanged, {job.rejected:,} rejected"
    )
    print(
        f"raw bulk load: {rows / raw:,.0f} rows/s ({raw:.1f} s wall, "
        f"{raw_cpu:.1f} s CPU of this process)"
    )
    print(
        f"import, every check (batches of {services.BATCH}): {rows / took:,.0f} rows/s "
        f"({took:.1f} s wall, {cpu:.1f} s CPU: {rows / cpu:,.0f} rows per CPU second), "
        f"{100 * raw / took:.1f} % of the raw load; the reader process: {child_cpu:.1f} s CPU"
    )
    print(
        f"the import's own writes, without checks ({floor_rows:,} contacts and their "
        f"subscriptions into tables shaped like the product's): {rows / floor:,.0f} file "
        f"rows/s ({floor:.1f} s), {100 * raw / floor:.1f} % of the raw load"
    )
    print(f"peak memory: {peak:.0f} MB (before the import: {before:.0f} MB)")
    print(
        f"peak memory of the import's reader process: {children:.0f} MB resident, of which "
        f"{reader.peak_kib / 1024:.0f} MB its own (the rest is shared with the worker)"
    )
    shutil.rmtree(folder)
    if (
        os.environ["CONSENTRY_VAR_DIR"].startswith(tempfile.gettempdir())
        and connection.vendor == "sqlite"
    ):
        shutil.rmtree(os.environ["CONSENTRY_VAR_DIR"], ignore_errors=True)


if __name__ == "__main__":
    main()
