"""Segments: the field registry, a definition as SQL, and the only write path.

`register_field` is the extension hook: an app adds a condition (delivery: the last
delivery; later tracking: opens and clicks of consenting contacts) with its spec
(contacts.segment_rules.FieldSpec) and a builder that turns a checked condition into a Q
over Contact for one account.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, ProtectedError, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.lookups import Exact, IContains
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.labels import LEGAL_BASIS, STATUS
from contacts.models import Contact, List, Segment, Subscription, SubscriptionState
from contacts.rules import Cause
from contacts.segment_rules import (
    Condition,
    Definition,
    FieldSpec,
    Kind,
    Label,
    parse_definition,
)
from core.errors import Conflict, InvalidInput, NotFound, RuleViolation
from core.text import clean_text

if TYPE_CHECKING:
    from accounts.models import Account

Builder = Callable[[Condition, "Account"], Q]

_FIELDS: dict[str, tuple[FieldSpec, Builder]] = {}


def register_field(spec: FieldSpec, build: Builder) -> None:
    """Add (or replace) a condition field; `build` gives the Q of a checked condition."""
    _FIELDS[spec.name] = (spec, build)


def fields() -> Mapping[str, FieldSpec]:
    return {name: spec for name, (spec, _build) in _FIELDS.items()}


def _is(op: str, q: Q) -> Q:
    return ~q if op == "is_not" else q


IS: dict[str, Label] = {"is": _("is"), "is_not": _("is not")}

SOURCE_LABELS: dict[str, Label] = {
    Cause.USER: _("added by a user or the API"),
    Cause.SIGNUP: _("signup form"),
    Cause.DOI_CONFIRMED: _("confirmed double opt-in"),
    Cause.IMPORT: _("import"),
    Cause.OPERATOR: _("operator"),
}


def _status(c: Condition, account: Account) -> Q:
    return _is(c.op, Q(status=c.value))


def _list(c: Condition, account: Account) -> Q:
    on = Subscription.objects.filter(
        contact_id=OuterRef("pk"),
        list_id=c.value,
        list__account_id=account.pk,
        state=SubscriptionState.CONFIRMED,
    )
    return Q(Exists(on)) if c.op == "on" else ~Q(Exists(on))


def _custom(c: Condition, account: Account) -> Q:
    value = KeyTextTransform(c.key, "fields")
    has = Q(fields__has_key=c.key) & ~Q(Exact(value, ""))
    if c.op == "set":
        return has
    if c.op == "not_set":
        return ~has
    if c.op == "contains":
        return Q(IContains(value, c.value))
    same = Q(fields__has_key=c.key) & Q(Exact(value, c.value))
    return same if c.op == "is" else ~same


def _signup_date(c: Condition, account: Account) -> Q:
    return Q(created_at__date__lt=c.value) if c.op == "before" else Q(created_at__date__gte=c.value)


def _signup_days(c: Condition, account: Account) -> Q:
    recent = Q(created_at__gte=timezone.now() - timedelta(days=c.value))
    return recent if c.op == "within" else ~recent


def _source(c: Condition, account: Account) -> Q:
    if c.value == Cause.IMPORT:
        q = Q(import_record__isnull=False) | Q(signup_source=Cause.IMPORT)
    else:
        q = Q(signup_source=c.value, import_record__isnull=True)
    return _is(c.op, q)


def _basis(c: Condition, account: Account) -> Q:
    return _is(c.op, Q(legal_basis=c.value))


register_field(
    FieldSpec("status", _("Status"), Kind.CHOICE, IS, choices=STATUS),
    _status,
)
register_field(
    FieldSpec(
        "list",
        _("List"),
        Kind.LIST,
        {"on": _("is confirmed on"), "not_on": _("is not confirmed on")},
    ),
    _list,
)
register_field(
    FieldSpec(
        "custom",
        _("Custom field"),
        Kind.TEXT,
        {
            "is": _("is"),
            "is_not": _("is not"),
            "contains": _("contains"),
            "set": _("is filled in"),
            "not_set": _("is empty"),
        },
        keyed=True,
        no_value=frozenset({"set", "not_set"}),
    ),
    _custom,
)
register_field(
    FieldSpec(
        "signup_date",
        _("Signup date"),
        Kind.DATE,
        {"before": _("before"), "after": _("on or after")},
    ),
    _signup_date,
)
register_field(
    FieldSpec(
        "signup_days",
        _("Signed up (days ago)"),
        Kind.DAYS,
        {"within": _("within the last"), "not_within": _("more than")},
    ),
    _signup_days,
)
register_field(
    FieldSpec("signup_source", _("Signup source"), Kind.CHOICE, IS, choices=SOURCE_LABELS),
    _source,
)
register_field(
    FieldSpec("legal_basis", _("Legal basis"), Kind.CHOICE, IS, choices=LEGAL_BASIS),
    _basis,
)


def definition_q(account: Account, definition: Definition) -> Q:
    """The definition as a Q over the account's contacts; no condition matches everyone."""
    parts = [_FIELDS[c.field][1](c, account) for c in definition.conditions]
    if not parts:
        return Q()
    combined = parts[0]
    for part in parts[1:]:
        combined = combined | part if definition.match == "any" else combined & part
    return combined


def check_definition(account: Account, data: Any) -> Definition:
    """A definition from untrusted input, checked, its lists the account's own."""
    definition = parse_definition(data, fields())
    wanted = {c.value for c in definition.conditions if fields()[c.field].kind == Kind.LIST}
    if wanted:
        own = set(List.objects.filter(account=account, pk__in=wanted).values_list("pk", flat=True))
        for n, c in enumerate(definition.conditions, 1):
            if c.field == "list" and c.value not in own:
                raise InvalidInput(f"condition {n}: value: no list #{c.value} in this account")
    return definition


def stored_definition(segment: Segment) -> Definition:
    """A saved definition, read back through today's registry."""
    return parse_definition(segment.definition, fields())


def segment_q(segment: Segment) -> Q:
    return definition_q(segment.account, stored_definition(segment))


def members(segment: Segment) -> QuerySet[Contact]:
    return Contact.objects.filter(account_id=segment.account_id).filter(segment_q(segment))


def segments_of(account: Account) -> QuerySet[Segment]:
    return Segment.objects.filter(account=account).order_by("name")


def segment_of(account: Account, segment_id: int) -> Segment:
    found = segments_of(account).filter(pk=segment_id).select_related("account").first()
    if found is None:
        raise NotFound("no such segment")
    return found


def segment_by_ref(account: Account, ref: str) -> Segment:
    """The CLI's way to name a segment: its id, or its name within the account."""
    text = str(ref).strip()
    found = segments_of(account).filter(pk=int(text)).first() if text.isdigit() else None
    found = found or segments_of(account).filter(name=text).first()
    if found is None:
        raise NotFound(f"no segment {text!r} in {account.slug}")
    return found


def _name(value: str) -> str:
    name = clean_text(value or "", field="name", max_length=200).strip()
    if not name:
        raise InvalidInput("name: a segment needs a name")
    return name


@transaction.atomic
def create_segment(account: Account, *, name: str, definition: Any) -> Segment:
    checked = check_definition(account, definition)
    try:
        with transaction.atomic():
            return Segment.objects.create(
                account=account, name=_name(name), definition=checked.as_json()
            )
    except IntegrityError:
        raise Conflict("name: a segment of this name exists") from None


@transaction.atomic
def update_segment(segment: Segment, *, name: str | None = None, definition: Any = None) -> Segment:
    locked = Segment.objects.select_for_update().select_related("account").get(pk=segment.pk)
    if name is not None:
        locked.name = _name(name)
    if definition is not None:
        locked.definition = check_definition(locked.account, definition).as_json()
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError:
        raise Conflict("name: a segment of this name exists") from None
    return locked


def delete_segment(segment: Segment) -> None:
    try:
        segment.delete()
    except ProtectedError:
        raise RuleViolation("a campaign targets this segment: change the campaign first") from None
