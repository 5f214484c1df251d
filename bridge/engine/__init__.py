"""The call engine: one greenlet per call, running cXML verbs on FreeSWITCH. No Flask.

    Engine(services, events)          engine.py: the live calls, start/shutdown,
                                      and `CallControl` for the REST API
                                      (place_call, redirect, end_call)
    CallServices, EngineTimings       services.py: the ports (SwitchPort,
                                      CallbackSink), the store, the webhook client
    Switchboard                       switchboard.py: Event Socket queue -> the
                                      mailbox of the call owning each channel
    CallSession                       session.py: a call's mailbox and its one
                                      interruptible `wait()`
    run_call                          program.py: documents and verbs, to the end
    verbs.execute / verbs.EXECUTORS   verbs/: one module per verb executor
    DialRun                           dialing.py: the <Dial><Sip> race and bridge
    Screenings, Screening             screening.py: <Sip url> documents on the
                                      callee's leg before it is connected
    Ringback, RING_TONES              ringback.py: what the caller hears while
                                      the legs ring (ringTone, 180s)
    dial_result                       dial_result.py: the action's Dial* values
    statuses                          statuses.py: constant status tables

Flow of an inbound call: CHANNEL_PARK (cxml_inbound=true) -> Switchboard ->
Engine starts a CallSession greenlet (inbound.py) -> the routed URL is
fetched (with FallbackUrl) -> verbs run through the executor table -> the
call is hung up and its final status and callbacks recorded (program.py).
A REST call (outbound.py) originates to its SIP URI and runs its document
once answered.
"""

from bridge.engine.engine import Engine
from bridge.engine.services import CallServices, EngineTimings

__all__ = ["CallServices", "Engine", "EngineTimings"]
