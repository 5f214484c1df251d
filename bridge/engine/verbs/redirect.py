"""`<Redirect>`: fetch a new document and run it instead of the rest of this one.

Loops: `settings.webhooks.max_redirects` `<Redirect>`s in a row (with no
other verb between them) is a loop; the next one ends the call with an
error naming the URL. A `<Pause>` then `<Redirect>` polling loop is not a
loop by this count, since the pause runs between the redirects.
"""

from __future__ import annotations

import logging

from bridge.cxml.models import Redirect
from bridge.engine.errors import VerbFailed
from bridge.engine.fetching import fetch
from bridge.engine.session import CallSession
from bridge.engine.steps import Replace, Step

log = logging.getLogger(__name__)


def execute(verb: Redirect, call: CallSession) -> Step:
    limit = call.services.settings.webhooks.max_redirects
    call.redirects_in_a_row += 1
    if call.redirects_in_a_row > limit:
        raise VerbFailed(
            verb.line,
            "Redirect",
            f"redirect loop: more than {limit} <Redirect>s in a row with no other verb "
            f"between them (this one to {verb.url})",
        )
    try:
        call.services.calls.update_call(
            call.call_sid, document_url=verb.url, document_method=verb.method.value
        )
    except Exception:  # bookkeeping only: the redirect still happens
        log.exception("call %s: new document URL not stored", call.call_sid)
    response = fetch(call, verb.url, verb.method, call.params())
    return Replace(response)
