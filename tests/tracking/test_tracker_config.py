"""Construction and reset traps (issue 11): overrides never leak into the caller's config; reset starts over."""

import numpy as np

from tracker import Detections, Tracker
from tracker.tracking import TrackerConfig


def _one(box=(10, 10, 50, 90)):
    return Detections(np.array([box], float), np.array([0.9]), np.array([0]))


def test_overrides_do_not_write_into_the_callers_config():
    cfg = TrackerConfig()
    before = cfg.max_age
    t = Tracker(cfg, max_age=before + 7)
    assert t.config.max_age == before + 7
    assert cfg.max_age == before  # the caller's object is untouched
    assert Tracker(cfg).config.max_age == before


def test_reset_restarts_the_frame_count():
    t = Tracker(n_init=3, confirm_on_first_frame=True)
    t.update(_one())
    t.update(_one())
    t.reset()
    assert t.frame_count == 0
    # After reset the first frame is a first frame again: tracks born there are confirmed at once.
    out = t.update(_one())
    assert len(out) == 1
