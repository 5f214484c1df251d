"""What the party at a dialled SIP URI does: scripted far ends (pure data).

A script is keyed by `user@host[:port]` of the dialled URI (scheme, URI
parameters and headers are ignored, the host is compared in lower case). A
key without a port matches that user and host on any port; a key with a port
matches only that port. Every delay is in emulated seconds, counted from the
INVITE, and is multiplied by the switch's `time_scale`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from tests.fakeswitch.dialstring import parse_target

HeaderPairs = tuple[tuple[str, str], ...]


def _pairs(headers: Mapping[str, str] | None) -> HeaderPairs:
    return tuple((headers or {}).items())


@dataclass(frozen=True, slots=True)
class FarEnd:
    """One far end's behaviour. Build it with the class methods below.

    `kind` is "answer", "reject", "ring_forever", "challenge" or "no_response".
    `ring_after`: when it sends 180 Ringing (None: never). `early_media_after`:
    when it sends 183 with SDP (None: never). `after`: when the final response
    (200, or the rejection `status`) is sent. `headers`: X-/P- headers of the
    final response (they become `variable_sip_rh_<name>`);
    `provisional_headers`: those of the 180/183 (`variable_sip_ph_<name>`).
    `hangup_after`: seconds after the answer at which the far end sends BYE
    with `bye_headers` (`variable_sip_bye_h_<name>`). `ignore_timeout`: the
    switch's originate/leg timer never fires for this leg (a fault: it is how
    tests prove the engine's own ring guard).
    """

    kind: str
    status: int = 200
    reason: str | None = None
    after: float = 0.0
    ring_after: float | None = None
    early_media_after: float | None = None
    headers: HeaderPairs = ()
    provisional_headers: HeaderPairs = ()
    hangup_after: float | None = None
    bye_headers: HeaderPairs = ()
    username: str | None = None
    password: str | None = None
    then: FarEnd | None = None
    ignore_timeout: bool = False

    @classmethod
    def answer(
        cls,
        after: float = 0.0,
        *,
        ring: bool = True,
        ring_after: float = 0.0,
        early_media: bool = False,
        headers: Mapping[str, str] | None = None,
        provisional_headers: Mapping[str, str] | None = None,
        hangup_after: float | None = None,
        bye_headers: Mapping[str, str] | None = None,
    ) -> FarEnd:
        """180 (unless ring=False) at `ring_after`, 183 too if `early_media`,
        then 200 OK at `after`; optionally BYE `hangup_after` seconds later."""
        return cls(
            kind="answer",
            status=200,
            after=after,
            ring_after=min(ring_after, after) if ring else None,
            early_media_after=min(ring_after, after) if early_media else None,
            headers=_pairs(headers),
            provisional_headers=_pairs(provisional_headers),
            hangup_after=hangup_after,
            bye_headers=_pairs(bye_headers),
        )

    @classmethod
    def reject(
        cls,
        status: int,
        reason: str | None = None,
        *,
        after: float = 0.0,
        ring: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> FarEnd:
        """A final error response `status` (4xx-6xx) at `after`, after a 180 if `ring`."""
        if not 400 <= status <= 699:
            raise ValueError(f"FarEnd.reject: status {status} is not a SIP error status (400-699)")
        return cls(
            kind="reject",
            status=status,
            reason=reason,
            after=after,
            ring_after=0.0 if ring else None,
            headers=_pairs(headers),
        )

    @classmethod
    def busy(
        cls, *, after: float = 0.0, ring: bool = False, headers: Mapping[str, str] | None = None
    ) -> FarEnd:
        """486 Busy Here: the originate fails with USER_BUSY."""
        return cls.reject(486, after=after, ring=ring, headers=headers)

    @classmethod
    def not_found(cls, *, after: float = 0.0, headers: Mapping[str, str] | None = None) -> FarEnd:
        """404 Not Found: the originate fails with UNALLOCATED_NUMBER."""
        return cls.reject(404, after=after, headers=headers)

    @classmethod
    def ring_forever(
        cls,
        *,
        early_media: bool = False,
        provisional_headers: Mapping[str, str] | None = None,
        ignore_timeout: bool = False,
    ) -> FarEnd:
        """180 at once and nothing more: the leg rings until it is cancelled,
        killed, answered through `FakeSwitch.answer`, or its originate/leg
        timeout expires (NO_ANSWER, FreeSWITCH sends CANCEL: 487).

        `ignore_timeout=True` is a fault no healthy FreeSWITCH has: the
        originate timeout never fires, so only a kill or a hangup ends it."""
        return cls(
            kind="ring_forever",
            ring_after=0.0,
            early_media_after=0.0 if early_media else None,
            provisional_headers=_pairs(provisional_headers),
            ignore_timeout=ignore_timeout,
        )

    @classmethod
    def no_response(cls) -> FarEnd:
        """Never answers the INVITE at all (no 180): only a timeout ends it."""
        return cls(kind="no_response")

    @classmethod
    def challenge(cls, username: str, password: str, then: FarEnd | None = None) -> FarEnd:
        """407 Proxy Authentication Required. When the originate carries
        `sip_auth_username`/`sip_auth_password` equal to these, the second
        INVITE gets `then` (default: answered at once without ringing, as in
        trace s5); otherwise FreeSWITCH gives up: CALL_REJECTED, status 407."""
        follow = then if then is not None else cls.answer(ring=False)
        return cls(kind="challenge", status=407, username=username, password=password, then=follow)

    def hanging_up_after(self, seconds: float) -> FarEnd:
        """The same far end, sending BYE `seconds` after it answered."""
        return replace(self, hangup_after=seconds)


def destination_key(uri: str) -> str:
    """`user@host[:port]` of a SIP URI (scheme, parameters and headers dropped)."""
    target = parse_target(uri.strip())
    if target is None:
        raise ValueError(f"not a SIP URI: {uri!r} (expected [sip:]user@host[:port])")
    return target.user_at_hostport
