"""The call engine: one greenlet per call, running cXML verbs on FreeSWITCH. No Flask.

    Engine(services, events)          engine.py: the live calls, start/shutdown,
                                      and `CallControl` for the REST API
                                      (place_call, redirect, end_call)
    CallServices, EngineTimings       services.py: the ports (SwitchPort,
                                      CallbackSink), the store, the webhook client
    Switchboard                       switchboard.py: Event Socket queue -> the
                                      mailbox of the call owning each channel
    CallSession                       session.py: a call's mailbox and its one
                                      interruptible `wait()`; `watch`/`when_over`
                                      for work spanning the whole call
    run_call                          program.py: documents and verbs, to the end
    verbs.execute / verbs.EXECUTORS   verbs/: one module per verb executor
    DialRun                           dialing.py: the <Dial><Sip> race and bridge
    connect, stay_connected           connecting.py: the winner bridged to the
                                      caller, and the connected call
    Screenings, Screening             screening.py: <Sip url> documents on the
                                      callee's leg before it is connected
    Ringback, RING_TONES              ringback.py: what the caller hears while
                                      the legs ring (ringTone, 180s)
    dial_result                       dial_result.py: the action's Dial* values
    statuses                          statuses.py: constant status tables
    speaker_for, VoiceRefused         tts_voices.py: <Say voice language> ->
                                      TTS engine and voice (flite table)
    DigitsToSend, send_digits         digits.py: uuid_send_dtmf and the wait
                                      while the digits go out (<Play digits>,
                                      SendDigits)
    plan_call_recording, CallRecorder call_recording.py: a REST call's
                                      Record=true, the whole call from answer
    DialRecorder                      recording.py: <Dial record>, its start
                                      at ringing/answer and its stop
    Recorder, plan_recording_run      recorder.py: what both share: commands,
                                      file work, row and callbacks

Flow of an inbound call: CHANNEL_PARK (cxml_inbound=true) -> Switchboard ->
Engine starts a CallSession greenlet (inbound.py) -> the routed URL is
fetched (with FallbackUrl) -> verbs run through the executor table -> the
call is hung up and its final status and callbacks recorded (program.py).
A REST call (outbound.py) originates to its SIP URI and, once answered,
starts its recording (Record), sends its SendDigits and runs its document.
"""

from bridge.engine.engine import Engine
from bridge.engine.services import CallServices, EngineTimings

__all__ = ["CallServices", "Engine", "EngineTimings"]
