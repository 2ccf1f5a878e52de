# One address identity (IMPORT-5/7, STATUS-2/4): contacts, suppressions and unsubscribe
# requests were keyed by the address as written; they are keyed by its identity now (the
# local part case-folded, core.addresses.identity). Contacts of one account that now share
# a key are merged into the one with the most restrictive state (D over B over U over A,
# the oldest of equals): the others are retired, nothing is re-activated, an unsubscribed
# subscription stays unsubscribed, and each merge is recorded in the account's evidence
# chain. A deleted contact's address is gone, so its key stays as it was.
#
# Batches of contacts, each in its own transaction: an interrupted run is resumed by
# running the migration again (what is re-keyed already is not a candidate any more).

from django.db import migrations, transaction
from django.utils import timezone

from consent.rules import link_hash
from core.addresses import address_key, identity

BATCH = 2000
ACTOR = "system:address-identity"
RANK = {"D": 3, "B": 2, "U": 1, "A": 0}
SUBSCRIPTION_RANK = {"unsubscribed": 2, "confirmed": 1, "pending": 0}


def _append(apps, account_id, kind, contact_id, payload):
    """One record on the account's chain, linked exactly as consent.services.record links."""
    ChainHead = apps.get_model("consent", "ChainHead")
    EvidenceRecord = apps.get_model("consent", "EvidenceRecord")
    ChainHead.objects.get_or_create(account_id=account_id)
    head = ChainHead.objects.select_for_update().get(account_id=account_id)
    fields = {
        "account_id": account_id,
        "seq": head.seq + 1,
        "kind": kind,
        "contact_id": contact_id,
        "created_at": timezone.now(),
        "actor": ACTOR,
        "source": "",
        "wording_id": None,
        "payload": payload,
        "sealed": None,
    }
    digest = link_hash(head.hash, fields)
    EvidenceRecord.objects.create(prev_hash=head.hash, hash=digest, **fields)
    head.seq, head.hash = fields["seq"], digest
    head.save(update_fields=["seq", "hash"])


def _rekey_suppressions(apps, old, new):
    Suppression = apps.get_model("contacts", "Suppression")
    for row in Suppression.objects.filter(address_hash=old):
        Suppression.objects.get_or_create(
            address_hash=new, reason=row.reason, defaults={"note": row.note}
        )


def _set_key(contact, key):
    """A contact's new key; an imported one keeps the key its batch digest was made over."""
    if contact.import_record is not None and not contact.import_hash:
        contact.import_hash = contact.address_hash
    contact.address_hash = key
    contact.save(update_fields=["address_hash", "import_hash"])


def _merge_subscriptions(apps, loser, survivor):
    Subscription = apps.get_model("contacts", "Subscription")
    kept = {s.list_id: s for s in Subscription.objects.filter(contact=survivor)}
    for sub in Subscription.objects.filter(contact=loser):
        mine = kept.get(sub.list_id)
        if mine is None:
            sub.contact = survivor
            sub.save(update_fields=["contact"])
            continue
        if SUBSCRIPTION_RANK[sub.state] > SUBSCRIPTION_RANK[mine.state]:
            mine.state, mine.state_changed_at = sub.state, sub.state_changed_at
            mine.save(update_fields=["state", "state_changed_at"])
        sub.delete()


def _merge(apps, group, key, old_keys):
    """Merge contacts of one account that share `key`; returns how many were retired."""
    ContactKey = apps.get_model("consent", "ContactKey")
    group = sorted(group, key=lambda c: (-RANK[c.status], c.pk))
    survivor, losers = group[0], group[1:]
    now = timezone.now()
    for loser in losers:
        _merge_subscriptions(apps, loser, survivor)
        if survivor.status != "D":
            for name in ("first_name", "last_name", "legal_basis"):
                if not getattr(survivor, name) and getattr(loser, name):
                    setattr(survivor, name, getattr(loser, name))
            survivor.fields = {**loser.fields, **survivor.fields}
        else:
            # The identity was erased: what the duplicate held goes with it (STATUS-4).
            ContactKey.objects.filter(contact=loser).delete()
        before = loser.status
        loser.address, loser.first_name, loser.last_name, loser.fields = "", "", "", {}
        loser.status, loser.status_changed_at = "D", now
        loser.save(update_fields=["address", "first_name", "last_name", "fields", "status",
                                  "status_changed_at"])
        # Unique in the account, and matching no address any more.
        _set_key(loser, f"merged:{loser.pk}:{survivor.pk}")
        _append(apps, loser.account_id, "contact.merged", loser.pk,
                {"into": survivor.pk, "status": before, "cause": "address_identity"})
        _append(apps, survivor.account_id, "contact.merged", survivor.pk,
                {"from": loser.pk, "status": before, "cause": "address_identity"})
    survivor.save(update_fields=["first_name", "last_name", "legal_basis", "fields"])
    if survivor.address_hash != key:
        _set_key(survivor, key)
    for old in old_keys:
        _rekey_suppressions(apps, old, key)
    return len(losers)


def rekey(apps, schema_editor=None, *, batch=BATCH, log=print):
    Contact = apps.get_model("contacts", "Contact")
    UnsubscribeRequest = apps.get_model("contacts", "UnsubscribeRequest")
    rekeyed = merged = 0
    last = 0
    while True:
        rows = list(
            Contact.objects.filter(pk__gt=last)
            .exclude(address="")
            .order_by("pk")
            .values_list("pk", "address", "address_hash")[:batch]
        )
        if not rows:
            break
        last = rows[-1][0]
        changed = [
            (pk, key) for pk, address, old in rows
            if identity(address) != address and (key := address_key(address)) != old
        ]
        if not changed:
            continue
        with transaction.atomic():
            for pk, key in changed:
                contact = Contact.objects.select_for_update().get(pk=pk)
                old = contact.address_hash
                others = list(
                    Contact.objects.select_for_update()
                    .filter(account_id=contact.account_id, address_hash=key)
                    .exclude(pk=pk)
                )
                rekeyed += 1
                if others:
                    merged += _merge(apps, [contact, *others], key, [old])
                else:
                    _set_key(contact, key)
                    _rekey_suppressions(apps, old, key)
    for request in UnsubscribeRequest.objects.exclude(address="").iterator():
        key = address_key(request.address)
        if key != request.address_hash:
            UnsubscribeRequest.objects.filter(pk=request.pk).update(address_hash=key)
    if log is not None and (rekeyed or merged):
        log(f"\n  one address identity: {rekeyed} contacts re-keyed, {merged} merged into another")
    return rekeyed, merged


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("consent", "0003_signupform_signupattempt_confirmation"),
        ("contacts", "0007_contact_import_hash"),
    ]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]
