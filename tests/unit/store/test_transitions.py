"""The whole table of status moves, without a database."""

from __future__ import annotations

import pytest

from bridge.store.records import FINAL_CALL_STATUSES, CallStatus, transition_refusal

S = CallStatus
LIFE = [S.QUEUED, S.INITIATED, S.RINGING, S.IN_PROGRESS]
UNANSWERED_ENDS = [S.BUSY, S.NO_ANSWER, S.CANCELED]


@pytest.mark.parametrize("current", list(CallStatus))
def test_the_same_status_again_is_allowed(current: CallStatus) -> None:
    assert transition_refusal(current, current) is None


@pytest.mark.parametrize("current", sorted(FINAL_CALL_STATUSES))
@pytest.mark.parametrize("requested", list(CallStatus))
def test_nothing_leaves_a_final_status(current: CallStatus, requested: CallStatus) -> None:
    if requested is not current:
        assert transition_refusal(current, requested) == f"{current} is final"


@pytest.mark.parametrize(
    ("current", "requested"),
    [(a, b) for i, a in enumerate(LIFE) for b in LIFE[i + 1 :]]
    + [(a, end) for a in LIFE[:3] for end in FINAL_CALL_STATUSES]
    + [(S.IN_PROGRESS, S.COMPLETED), (S.IN_PROGRESS, S.FAILED)],
)
def test_forward_moves_are_allowed(current: CallStatus, requested: CallStatus) -> None:
    assert transition_refusal(current, requested) is None


@pytest.mark.parametrize(
    ("current", "requested"), [(b, a) for i, a in enumerate(LIFE) for b in LIFE[i + 1 :]]
)
def test_backward_moves_are_refused(current: CallStatus, requested: CallStatus) -> None:
    assert transition_refusal(current, requested) == f"{requested} comes before {current}"


@pytest.mark.parametrize("requested", UNANSWERED_ENDS)
def test_an_answered_call_does_not_end_as_unanswered(requested: CallStatus) -> None:
    refusal = transition_refusal(S.IN_PROGRESS, requested)
    assert refusal == "an answered call ends as completed or failed"
