"""Switch configuration: sofia profiles and what unscripted far ends do."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.fakeswitch.farend import FarEnd


@dataclass(frozen=True, slots=True)
class Profile:
    """A sofia profile. Dialling `;transport=tls` (or `sips:`) through a
    profile without `tls` fails with DESTINATION_OUT_OF_ORDER (trace s6)."""

    name: str
    tls: bool = False
    sip_port: int = 5080


@dataclass(frozen=True, slots=True)
class SwitchConfig:
    hostname: str = "fakeswitch"
    ipv4: str = "127.0.0.1"
    ipv6: str = "::1"
    profiles: tuple[Profile, ...] = (Profile("external"), Profile("internal", sip_port=5060))
    default_far_end: FarEnd = field(default_factory=FarEnd.not_found)
    playback_seconds: float = 1.0

    def profile(self, name: str) -> Profile | None:
        for profile in self.profiles:
            if profile.name == name:
                return profile
        return None
