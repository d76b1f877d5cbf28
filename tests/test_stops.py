"""Ctrl-C and SIGTERM as clean stops: held inside a frame's writes, raised once, right exit codes."""

from __future__ import annotations

import os
import signal

import pytest

from tracker.stops import StopSignals, Terminated, run_stoppable


@pytest.mark.parametrize(
    "sig, exc, code", [(signal.SIGTERM, Terminated, 143), (signal.SIGINT, KeyboardInterrupt, 130)]
)
def test_signal_is_held_until_the_frame_is_written(sig, exc, code):
    before = signal.getsignal(sig)
    written = []
    with StopSignals() as stops:
        with pytest.raises(exc):
            with stops.deferred():
                os.kill(os.getpid(), sig)
                written.append("mot")
                written.append("json")
        assert written == ["mot", "json"] and stops.exit_code == code
        os.kill(os.getpid(), sig)  # a repeat during the clean-up is ignored
    assert signal.getsignal(sig) is before


def test_stop_outside_a_frame_is_raised_at_once():
    with StopSignals() as stops:
        with pytest.raises(Terminated):
            os.kill(os.getpid(), signal.SIGTERM)
            signal.pthread_sigmask(signal.SIG_BLOCK, [])  # a bytecode boundary for the handler to run
            pytest.fail("not stopped")
    assert stops.exit_code == 143


def test_error_in_a_frame_is_not_replaced_by_a_held_stop():
    with StopSignals() as stops:
        with pytest.raises(ValueError):
            with stops.deferred():
                os.kill(os.getpid(), signal.SIGTERM)
                raise ValueError("the real problem")


def test_run_stoppable_reports_a_stop_before_the_first_frame(capsys):
    def body(stops):
        os.kill(os.getpid(), signal.SIGTERM)
        signal.pthread_sigmask(signal.SIG_BLOCK, [])
        return 0

    assert run_stoppable(body) == 143
    assert capsys.readouterr().err == "tracker: terminated\n"
