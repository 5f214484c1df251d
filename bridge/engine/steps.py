"""What a verb executor tells the program to do next."""

from __future__ import annotations

from dataclasses import dataclass

from bridge.cxml.models import Response


@dataclass(frozen=True)
class Continue:
    """Run the next verb of the document (after the last one, hang up)."""


@dataclass(frozen=True)
class Replace:
    """Stop this document and run `response` instead (action, Redirect)."""

    response: Response


@dataclass(frozen=True)
class Finish:
    """The call is over (Hangup, Reject, the caller gone)."""


Step = Continue | Replace | Finish

CONTINUE = Continue()
FINISH = Finish()
