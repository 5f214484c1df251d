"""Verb executors, one module per verb, found through an explicit table.

    execute(verb, call) -> Step

Each executor takes its verb model (bridge.cxml.models) and the call
(`CallSession`) and returns what to do next (`bridge.engine.steps`). Only the
verbs in `EXECUTORS` run; anything else is `UnknownVerb`, naming the verb and
its line (a model added to bridge.cxml without an executor here must fail
loudly, not be skipped).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from bridge.cxml.models import Dial, Hangup, Pause, Play, Redirect, Reject, Say, Verb
from bridge.engine.errors import UnknownVerb
from bridge.engine.session import CallSession
from bridge.engine.steps import Step
from bridge.engine.verbs import dial, hangup, pause, play, redirect, reject, say

Executor = Callable[[Any, CallSession], Step]

EXECUTORS: Mapping[type, Executor] = MappingProxyType(
    {
        Dial: dial.execute,
        Hangup: hangup.execute,
        Reject: reject.execute,
        Pause: pause.execute,
        Redirect: redirect.execute,
        Say: say.execute,
        Play: play.execute,
    }
)


def execute(verb: Verb, call: CallSession) -> Step:
    executor = EXECUTORS.get(type(verb))
    if executor is None:
        name = type(verb).__name__
        raise UnknownVerb(verb.line, name, f"cxml-bridge cannot run <{name}>: no executor for it")
    return executor(verb, call)
