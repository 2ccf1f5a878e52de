"""The status machine, exhaustively (STATUS-1..4, IMPORT-7)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contacts.addresses import is_role_address
from contacts.rules import (
    INITIAL,
    Cause,
    Status,
    decide_initial,
    decide_transition,
    is_mailable,
)

A, U, B, D = Status.ACTIVE, Status.UNSUBSCRIBED, Status.BOUNCED, Status.DELETED
ALL = list(itertools.product(Status, Status, Cause))


def test_it_allows_exactly_the_listed_transitions() -> None:
    """Every (from, to, cause) triple, compared with the table a person can read."""
    expected = {
        (U, A, Cause.DOI_CONFIRMED),
        (B, A, Cause.DOI_CONFIRMED),
        (D, A, Cause.DOI_CONFIRMED),
        (A, U, Cause.UNSUBSCRIBE_LINK),
        (B, U, Cause.UNSUBSCRIBE_LINK),
        (A, U, Cause.COMPLAINT),
        (B, U, Cause.COMPLAINT),
        (A, B, Cause.BOUNCE),
        (A, U, Cause.USER),
        (A, B, Cause.USER),
        (B, U, Cause.USER),
        (A, U, Cause.OPERATOR),
        (A, B, Cause.OPERATOR),
        (B, U, Cause.OPERATOR),
        (A, U, Cause.IMPORT),
        (A, B, Cause.IMPORT),
        (A, D, Cause.DELETION),
        (U, D, Cause.DELETION),
        (B, D, Cause.DELETION),
    }
    for current, target, cause in ALL:
        decision = decide_transition(current, target, cause)
        if current == target:
            assert decision.allowed and not decision.changes
        else:
            assert decision.allowed == ((current, target, cause) in expected), (
                current,
                target,
                cause,
            )
            assert decision.changes == decision.allowed
            assert decision.allowed or decision.reason


def test_it_lets_only_a_confirmed_double_opt_in_make_a_contact_active() -> None:
    """STATUS-2: U and B return to A only through a confirmed double opt-in."""
    for current, cause in itertools.product((U, B, D), Cause):
        allowed = decide_transition(current, A, cause).allowed
        assert allowed == (cause == Cause.DOI_CONFIRMED), (current, cause)


def test_it_never_lets_an_import_activate_u_b_or_d() -> None:
    """IMPORT-7 / DESIGN invariant 4, at the rules level."""
    for current in (U, B, D):
        decision = decide_transition(current, A, Cause.IMPORT)
        assert not decision.allowed
        assert "double opt-in" in decision.reason


def test_it_lets_nothing_but_a_new_signup_leave_d() -> None:
    """STATUS-4: a deleted contact comes back only by signing up again."""
    for target, cause in itertools.product((A, U, B), Cause):
        assert decide_transition(D, target, cause).allowed == (
            target == A and cause == Cause.DOI_CONFIRMED
        )


def test_a_signup_creates_new_contacts_but_moves_no_existing_one() -> None:
    """FORM-2/STATUS-2: the confirmation, not the form post, brings U, B or D back."""
    assert decide_initial(A, Cause.SIGNUP).allowed
    for current, target in itertools.product(Status, Status):
        decision = decide_transition(current, target, Cause.SIGNUP)
        assert decision.changes is False


@pytest.mark.parametrize(
    ("address", "role"),
    [
        ("info@example.de", True),
        ("Support@example.com", True),
        ("noreply+x@example.fr", True),
        ("postmaster@example.org", True),
        ("kontakt@example.de", True),
        ("anna.info@example.de", False),
        ("infoline@example.de", False),
        ("max@example.de", False),
    ],
)
def test_it_recognises_role_addresses(address: str, role: bool) -> None:
    """IMPORT-8."""
    assert is_role_address(address) is role


def test_it_creates_contacts_only_with_the_statuses_a_cause_may_set() -> None:
    """STATUS-1/5: an import may bring all four values; bounces and complaints create nothing."""
    assert INITIAL[Cause.IMPORT] == {A, U, B, D}
    for status, cause in itertools.product(Status, Cause):
        assert decide_initial(status, cause).allowed == (status in INITIAL.get(cause, set()))
    assert not decide_initial(A, Cause.BOUNCE).allowed
    assert not decide_initial(D, Cause.USER).allowed


def test_it_mails_only_active_contacts() -> None:
    """STATUS-1."""
    assert [s for s in Status if is_mailable(s)] == [A]


events = st.lists(
    st.tuples(st.sampled_from(list(Status)), st.sampled_from(list(Cause))), max_size=40
)


@given(start=st.sampled_from(list(Status)), sequence=events)
def test_it_keeps_the_invariants_over_any_event_sequence(
    start: Status, sequence: list[tuple[Status, Cause]]
) -> None:
    """Random event sequences applied as services do: refused events change nothing."""
    status = start
    for target, cause in sequence:
        decision = decide_transition(status, target, cause)
        if not decision.allowed:
            continue
        before, status = status, target
        if status == A and before != A:
            assert cause == Cause.DOI_CONFIRMED
        if before == D and status != D:
            assert cause == Cause.DOI_CONFIRMED and status == A
        if cause == Cause.IMPORT:
            assert status != A or before == A
        if status == D and before != D:
            assert cause == Cause.DELETION
