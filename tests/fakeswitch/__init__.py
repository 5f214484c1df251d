"""A FreeSWITCH Event Socket emulator for tests and offline demos.

    switch = FakeSwitch(password="ClueCon", time_scale=0.01)
    host, port = switch.start()
    switch.script("sip:alice@127.0.0.1:5090", FarEnd.answer(after=0.5, headers={"X-Result": "ok"}))
    ...
    switch.stop()

Run it alone with `python -m tests.fakeswitch --port 8021 --password ClueCon`.
Ground truth: ../shared/freeswitch-traces (FreeSWITCH 1.10.12); the conformance
tests in this package compare the emulator with those traces.
"""

from tests.fakeswitch.audio import Tone
from tests.fakeswitch.channel import ChannelView
from tests.fakeswitch.config import Profile
from tests.fakeswitch.events import FiredEvent
from tests.fakeswitch.farend import FarEnd, destination_key
from tests.fakeswitch.switch import FakeSwitch
from tests.fakeswitch.wire import ClientCommand

__all__ = [
    "ChannelView",
    "ClientCommand",
    "FakeSwitch",
    "FarEnd",
    "FiredEvent",
    "Profile",
    "Tone",
    "destination_key",
]
