"""Is a channel still on the switch? Asked when a resync's listing lacks it.

After a reconnection the Event Socket adapter lists the switch's channels
with `show channels`, which FreeSWITCH 1.10.12 reads from its core database,
written from a queue: a channel created in the last ~250 ms can be missing
from it (and one just destroyed can still be there). `uuid_exists` reads the
live session table, so a channel missing from the listing is declared ended
only once `uuid_exists` says `false`.
"""

from __future__ import annotations

import logging

from bridge.engine.services import SwitchPort
from bridge.esl.errors import EslError
from bridge.switch import uuid_exists

log = logging.getLogger(__name__)


def still_on_switch(switch: SwitchPort, uuid: str, timeout: float) -> bool:
    """False only when the switch says the channel does not exist.

    An unanswered question (the socket dropped again, a timeout) keeps the
    channel: a new connection brings a new resync, which asks again.
    """
    try:
        reply = switch.api(uuid_exists(uuid), timeout=timeout).strip()
    except EslError as error:
        log.warning("channel %s missing from the channel list; uuid_exists failed: %s", uuid, error)
        return True
    if reply == "false":
        return False
    if reply != "true":
        log.warning("channel %s missing from the channel list; uuid_exists said %r", uuid, reply)
    else:
        log.info("channel %s missing from the channel list (it lags) but on the switch", uuid)
    return True
