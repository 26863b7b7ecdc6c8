"""`Stack.stop()`: a second interrupt while stopping kills what is left instead of
leaving it running (a Ctrl-C pressed twice on `make run`)."""

from __future__ import annotations

import subprocess

import pytest

from tools.stack import Process, Stack

STUBBORN = ["bash", "-c", "trap '' TERM; sleep 60"]  # ignores SIGTERM, as a busy server may


def stack_of_stubborn_processes() -> Stack:
    stack = Stack(env={}, specs={name: Process(STUBBORN, {}, "http://127.0.0.1:1/")
                                 for name in ("a", "b")})
    for name in stack.names:
        stack._launch(name)
    return stack


def test_an_interrupt_while_stopping_kills_every_process(monkeypatch):
    stack = stack_of_stubborn_processes()
    waits = []

    def interrupted_wait(self, timeout=None):
        if timeout is not None and not waits:
            waits.append(timeout)
            raise KeyboardInterrupt  # the second Ctrl-C, during the 15 s of grace
        return original_wait(self, timeout)

    original_wait = subprocess.Popen.wait
    monkeypatch.setattr(subprocess.Popen, "wait", interrupted_wait)
    with pytest.raises(KeyboardInterrupt):
        stack.stop()
    monkeypatch.undo()
    assert waits == [15]
    assert all(process.poll() is not None for process in stack.processes.values())
