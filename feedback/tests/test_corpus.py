"""BOUNCE-1: `parse_feedback` against the labelled corpus of real bounces (Sisimai's labels,
../shared/corpora/bounces beside the checkout, or CONSENTRY_BOUNCE_CORPUS): hard/soft agrees
for at least 97 % of the labelled recipients, the reason group for at least 90 %."""

from __future__ import annotations

import json

import pytest

from feedback.parsers.classify import REASON_GROUPS, REASONS, SISIMAI_REASONS
from feedback.tests.corpus import KIND_OF, corpus_dir, score

CORPUS = corpus_dir()
needs_corpus = pytest.mark.skipif(
    CORPUS is None, reason="the shared corpora are not beside this checkout"
)


@needs_corpus
def test_it_agrees_with_the_reference_classifier_on_the_real_bounces() -> None:
    assert CORPUS is not None
    result = score(CORPUS)
    misses = "\n".join(u.describe() for u in result.disagreements())
    assert len(result.units) >= 300
    assert result.hard_soft >= 0.97, misses
    assert result.reason_group >= 0.90, misses


@needs_corpus
def test_every_reference_reason_of_the_corpus_has_a_place() -> None:
    assert CORPUS is not None
    labels = json.loads((CORPUS / "labels.json").read_text())
    used = {r["reason"] for sample in labels["samples"] for r in sample["recipients"]}
    assert used <= set(SISIMAI_REASONS) | set(KIND_OF)


def test_the_reason_table_maps_each_reason_into_one_group() -> None:
    """reasons.toml: every reason of ours is in exactly one group, and the reference's
    address-gone reasons land in the hard ones."""
    for reason in REASONS:
        assert sum(reason in members for members in REASON_GROUPS.values()) == 1, reason
    for theirs in ("userunknown", "hostunknown", "hasmoved", "notaccept"):
        assert SISIMAI_REASONS[theirs] == REASON_GROUPS["address_gone"]
    for theirs in ("filtered", "blocked", "rejected", "policyviolation", "spamdetected"):
        assert SISIMAI_REASONS[theirs] == REASON_GROUPS["sender_side"]
