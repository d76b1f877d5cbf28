"""Live helpers: newest-frame slot semantics, FPS meter, headless Display."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from tracker.io.slot import NewestFrameSlot
from tracker.render.display import Display


def test_slot_keeps_only_newest_and_counts_drops():
    slot = NewestFrameSlot()
    for i in range(5):
        slot.put(i)
    assert slot.get() == 4 and slot.dropped == 4
    slot.put(5)
    slot.close()
    assert slot.get() == 5  # unread item survives close
    assert slot.get() is None


def test_slot_get_waits_for_producer_and_times_out():
    slot = NewestFrameSlot()
    with pytest.raises(TimeoutError):
        slot.get(timeout=0.05)
    threading.Timer(0.05, slot.put, args=("x",)).start()
    assert slot.get(timeout=2) == "x"


def test_display_is_noop_without_display(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with Display() as disp:
        assert disp.show(np.zeros((10, 10, 3), np.uint8)) is True


def test_display_survives_headless_opencv(monkeypatch):
    # A DISPLAY variable with a headless OpenCV build must not crash: it degrades to no-op.
    monkeypatch.setenv("DISPLAY", ":99")
    disp = Display()
    with pytest.warns(UserWarning) if disp.enabled else _nothing():
        assert disp.show(np.zeros((10, 10, 3), np.uint8)) is True
    disp.close()


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("key, stops", [(-1, False), (ord("q"), True), (27, True)])
def test_window_shows_frames_and_q_or_esc_stops_the_run(monkeypatch, key, stops):
    """With a fake GUI (the headless wheel has none), the window path itself runs: frame shown, keys read."""
    import cv2

    from tracker.detections import Detections, Tracks
    from tracker.records import FrameResult
    from tracker.render import display
    from tracker.stops import StopRun

    shown = []
    monkeypatch.setattr(display, "display_available", lambda: True)
    monkeypatch.setattr(cv2, "imshow", lambda title, image: shown.append((title, image.shape)), raising=False)
    monkeypatch.setattr(cv2, "waitKey", lambda ms: key, raising=False)
    monkeypatch.setattr(cv2, "getWindowProperty", lambda title, prop: 1.0, raising=False)
    monkeypatch.setattr(cv2, "destroyWindow", lambda title: shown.append(("closed", title)), raising=False)
    result = FrameResult(0, np.zeros((10, 12, 3), np.uint8), Detections.empty(), Tracks.empty())
    disp = Display("win")
    assert disp.enabled
    if stops:
        with pytest.raises(StopRun):
            disp.write(result)
    else:
        disp.write(result)
    disp.close()
    assert shown == [("win", (10, 12, 3)), ("closed", "win")]
