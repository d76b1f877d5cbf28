"""The chapter's two bouncing balls, on pixels: a rendered video, the real embedder, the real tracker.

Two equally sized, differently textured balls roll towards each other, touch and bounce back. Motion
alone follows the momentum through the bounce and swaps the ids; appearance embeddings from the
default CNN keep each ball on its own track.
"""

import cv2
import numpy as np
import pytest

from tracker import Detections, Tracker
from tracker.io.sources import open_source

SIZE = 70


def textures():
    rng = np.random.default_rng(3)
    stripes = np.zeros((SIZE, SIZE, 3), np.uint8)
    stripes[:, :] = (40, 40, 220)  # red-ish (BGR)
    stripes[::8] = (255, 255, 255)
    stripes[1::8] = (255, 255, 255)
    checker = ((np.indices((SIZE, SIZE)).sum(0) // 10) % 2 * 200 + 30).astype(np.uint8)
    checker = np.dstack([checker, checker // 2 + 60, 255 - checker])  # blue/yellow checks
    noise = rng.integers(0, 25, (SIZE, SIZE, 3), dtype=np.uint8)
    return stripes, cv2.add(checker, noise)


def render(path, n_frames=40, speed=6):
    """Write the clip with OpenCV; return per-frame ground-truth boxes for ball A and ball B."""
    a_tex, b_tex = textures()
    yy, xx = np.mgrid[:SIZE, :SIZE]
    disc = (yy - SIZE / 2 + 0.5) ** 2 + (xx - SIZE / 2 + 0.5) ** 2 <= (SIZE / 2) ** 2
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 15, (480, 240))
    boxes = []
    for f in range(n_frames):
        d = speed * (f if f < n_frames // 2 else n_frames - f)
        ax, bx = int(90 + d), int(320 - d)  # left edges; the balls touch at the turning point
        frame = np.full((240, 480, 3), 90, np.uint8)
        for x, tex in ((ax, a_tex), (bx, b_tex)):
            region = frame[85 : 85 + SIZE, x : x + SIZE]
            region[disc] = tex[disc]
        writer.write(frame)
        boxes.append(np.array([[ax, 85, ax + SIZE, 85 + SIZE], [bx, 85, bx + SIZE, 85 + SIZE]], float))
    writer.release()
    return boxes


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("balls") / "balls.mp4"
    boxes = render(path)
    with open_source(path) as src:
        frames = [f.image for f in src]
    assert len(frames) == len(boxes)
    return frames, boxes


@pytest.fixture(scope="module")
def embedder():
    from tracker.models.embedders import load_embedder

    return load_embedder("mobilenetv2")


def run(frames, boxes, embedder=None):
    """Track the balls; return, for each ball, the set of track ids it was given."""
    t = Tracker(n_init=1)
    ids = {0: set(), 1: set()}
    for image, b in zip(frames, boxes):
        # Detections come from the ground truth (no COCO class for textured balls), jittered a pixel.
        det = Detections(b + np.array([1, -1, 0, 1]), [0.9, 0.9], [0, 0])
        if embedder is not None:
            det = det.with_(embedding=embedder(image, det))
        out = t.update(det)
        for tid, di in zip(out.track_id, out.det_index):
            ids[int(di)].add(int(tid))
    return ids


def test_embeddings_tell_the_balls_apart(clip, embedder):
    frames, boxes = clip
    e = embedder(frames[0], Detections(boxes[0], [1, 1], [0, 0]))
    e_later = embedder(frames[10], Detections(boxes[10], [1, 1], [0, 0]))
    same = float(e[0] @ e_later[0]), float(e[1] @ e_later[1])
    cross = float(e[0] @ e_later[1])
    assert min(same) > cross + 0.1, (same, cross)


def test_motion_alone_swaps_ids_at_the_bounce(clip):
    frames, boxes = clip
    ids = run(frames, boxes)
    assert ids[0] == ids[1] and len(ids[0]) == 2


def test_appearance_keeps_ids_through_the_bounce(clip, embedder):
    frames, boxes = clip
    ids = run(frames, boxes, embedder)
    assert len(ids[0]) == 1 and len(ids[1]) == 1 and ids[0] != ids[1], ids
