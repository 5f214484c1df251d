"""Errors of the engine itself (interrupts are in `bridge.engine.interrupts`).

EngineError
  VerbFailed        a verb cannot run: an unsupported noun, a value the switch
                    layer refused, a document that could not be fetched;
                    the call ends, with a log entry naming the line
    UnknownVerb     no executor for this verb (the executor table's last word)
  CommandRefused    the switch answered a command with -ERR
"""

from __future__ import annotations


class EngineError(Exception):
    pass


class VerbFailed(EngineError):
    def __init__(self, line: int, verb: str, reason: str) -> None:
        self.line = line
        self.verb = verb
        self.reason = reason
        super().__init__(f"line {line}: <{verb}>: {reason}")


class UnknownVerb(VerbFailed):
    pass


class CommandRefused(EngineError):
    """The switch answered a command with -ERR."""

    def __init__(self, command: str, reply: str) -> None:
        self.command = command
        self.reply = reply
        super().__init__(f"{command}: {reply}")
