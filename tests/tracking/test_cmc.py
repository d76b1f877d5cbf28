"""Camera-motion compensation: the warp estimate, the state warp, and fewer id switches on a panned clip."""

import cv2
import numpy as np
import pytest

from tracker import Detections, Tracker
from tracker.pipeline import Pipeline
from tracker.tracking.cmc import IDENTITY, CameraMotion, warp_state
from tracker.tracking.kalman_filter import KalmanFilter

skimage_data = pytest.importorskip("skimage.data")


def _photo() -> np.ndarray:
    return cv2.cvtColor(skimage_data.astronaut(), cv2.COLOR_RGB2BGR)


def _similarity(deg: float, scale: float, tx: float, ty: float) -> np.ndarray:
    a = np.deg2rad(deg)
    c, s = scale * np.cos(a), scale * np.sin(a)
    return np.array([[c, -s, tx], [s, c, ty]])


@pytest.mark.parametrize(
    "deg, scale, tx, ty",
    [(0.0, 1.0, 7.0, -4.0), (2.0, 1.0, 5.0, -3.0), (-1.5, 1.02, -6.0, 9.0), (0.0, 1.0, 0.0, 0.0)],
)
@pytest.mark.parametrize("max_side", [640, 256])
def test_known_motion_of_a_real_photo_is_recovered(deg, scale, tx, ty, max_side):
    img = _photo()
    truth = _similarity(deg, scale, tx, ty)
    moved = cv2.warpAffine(img, truth, (img.shape[1], img.shape[0]), flags=cv2.INTER_LINEAR)
    cmc = CameraMotion(max_side=max_side)
    np.testing.assert_array_equal(cmc(img), IDENTITY)  # first frame: nothing to compare with
    warp = cmc(moved)
    np.testing.assert_allclose(warp[:, :2], truth[:, :2], atol=0.005)
    # Where it matters, the image centre lands within half a pixel of where it should.
    centre = np.array([img.shape[1] / 2, img.shape[0] / 2, 1.0])
    np.testing.assert_allclose(warp @ centre, truth @ centre, atol=0.5)


def test_blank_frames_and_size_changes_give_the_identity():
    cmc = CameraMotion()
    blank = np.full((120, 160, 3), 90, np.uint8)
    cmc(blank)
    np.testing.assert_array_equal(cmc(blank), IDENTITY)
    img = _photo()
    cmc(img)
    np.testing.assert_array_equal(cmc(img[:300, :300]), IDENTITY)


def test_masked_boxes_leave_no_corners_inside():
    img = _photo()
    cmc = CameraMotion(max_side=512)
    box = np.array([[100.0, 50.0, 400.0, 450.0]])
    cmc(img, box)
    pts = cmc._prev_pts.reshape(-1, 2)
    inside = (pts[:, 0] >= 100) & (pts[:, 0] < 400) & (pts[:, 1] >= 50) & (pts[:, 1] < 450)
    assert len(pts) >= 10 and not inside.any()


def test_warp_state_hand_computed():
    # Rotation by 90 degrees, scale 2, shift (10, 20): x' = -2y + 10, y' = 2x + 20.
    warp = np.array([[0.0, -2.0, 10.0], [2.0, 0.0, 20.0]])
    mean = np.array([[1.0, 2.0, 0.5, 10.0, 3.0, 4.0, 0.1, 1.0]])
    cov = np.array([[[1.0, 4.0, 0.01, 9.0], [0.5, 0.25, 0.0, 1.0], [2.0, 3.0, 1e-6, 5.0]]])  # pp, pv, vv
    m, c = warp_state(mean, cov, warp)  # xyah: only h (and its velocity) scale
    np.testing.assert_allclose(m, [[6.0, 22.0, 0.5, 20.0, -8.0, 6.0, 0.1, 2.0]])
    # var(x') = 4 var(y), var(y') = 4 var(x); h variances scale by 4, the aspect's not at all.
    np.testing.assert_allclose(c, [[[16.0, 4.0, 0.01, 36.0], [1.0, 2.0, 0.0, 4.0], [12.0, 8.0, 1e-6, 20.0]]])
    m2, c2 = warp_state(mean, cov, warp, size_dims=(2, 3))  # xywh: width scales too
    assert m2[0, 2] == pytest.approx(1.0) and m2[0, 6] == pytest.approx(0.2) and c2[0, 0, 2] == pytest.approx(0.04)
    # Inputs untouched, identity is a no-op, empty is fine.
    assert mean[0, 0] == 1.0
    np.testing.assert_allclose(warp_state(mean, cov, IDENTITY)[0], mean)
    assert warp_state(np.zeros((0, 8)), np.zeros((0, 3, 4)), warp)[0].shape == (0, 8)


def test_warp_commutes_with_predict_for_a_translation():
    """Warping before or after the constant-velocity step gives the same mean (the tracker warps first)."""
    kf = KalmanFilter()
    mean, cov = kf.initiate(np.array([[50.0, 60.0, 0.5, 80.0]]))
    mean[0, 4:] = [2.0, -1.0, 0.0, 0.5]
    warp = np.array([[1.0, 0.0, 13.0], [0.0, 1.0, -7.0]])
    a = kf.predict(*warp_state(mean, cov, warp))[0]
    b = warp_state(*kf.predict(mean, cov), warp)[0]
    np.testing.assert_allclose(a, b)


def test_tracker_apply_camera_motion_moves_the_tracks():
    t = Tracker(n_init=1)
    t.update(Detections(np.array([[10.0, 20.0, 30.0, 60.0]]), [0.9], [0]))
    t.apply_camera_motion(np.array([[1.0, 0.0, 100.0], [0.0, 1.0, -5.0]]))
    np.testing.assert_allclose(t.active_tracks().xyxy, [[110.0, 15.0, 130.0, 55.0]])
    Tracker().apply_camera_motion(IDENTITY)  # no tracks: nothing to do


@pytest.mark.parametrize("state", ["xyah", "xywh"])
def test_zoom_scales_the_box_in_either_kalman_state(state):
    t = Tracker(n_init=1, kalman_state=state)
    t.update(Detections(np.array([[10.0, 20.0, 30.0, 60.0]]), [0.9], [0]))
    t.apply_camera_motion(np.array([[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]))  # the camera zooms in 2x
    np.testing.assert_allclose(t.active_tracks().xyxy, [[20.0, 40.0, 60.0, 120.0]])


# -- a clip panned across a real photo, with moving cut-outs ---------------------------------------------
FRAME_W, FRAME_H, OBJ, SHAKE = 256, 192, 28, 12


def _panned_clip(seed: int, n_frames: int = 40, n_objects: int = 4):
    """Frames cropped from a shaking window over a real photo, objects pasted at known positions.

    Returns ``(frames, boxes)``: ``boxes[f]`` is ``(n_objects, 4)`` xyxy in frame ``f``'s pixels (NaN
    where the object is outside the frame). The camera shakes by up to 12 px a frame (0.4 of a box
    width on each axis), so without compensation predicted boxes often miss the IoU gate.
    """
    rng = np.random.default_rng(seed)
    photo = _photo()
    ph, pw = photo.shape[:2]
    # Objects: textured patches cut from the photo itself (rotated, so they do not match the background).
    patches = []
    for _ in range(n_objects):
        y, x = rng.integers(0, ph - OBJ), rng.integers(0, pw - OBJ)
        patches.append(np.ascontiguousarray(np.rot90(photo[y : y + OBJ, x : x + OBJ], 2)))
    # World (photo) positions of the objects' top-left corners: slow constant velocities.
    pos0 = np.stack([rng.uniform(170, 300, n_objects), rng.uniform(150, 280, n_objects)], 1)
    vel = rng.uniform(-1.5, 1.5, (n_objects, 2))
    # Camera: the window's top-left corner drifts and shakes.
    cam = np.array([120.0, 110.0])
    frames, boxes = [], []
    for f in range(n_frames):
        cam = cam + rng.uniform(-SHAKE, SHAKE, 2)
        cam = np.clip(cam, 0, [pw - FRAME_W, ph - FRAME_H]).round()
        world = photo.copy()
        p = (pos0 + f * vel).round().astype(int)
        for (x, y), patch in zip(p, patches):
            world[y : y + OBJ, x : x + OBJ] = patch
        cx, cy = int(cam[0]), int(cam[1])
        frames.append(world[cy : cy + FRAME_H, cx : cx + FRAME_W].copy())
        b = np.concatenate([p - cam, p - cam + OBJ], 1).astype(float)
        inside = (b[:, 0] >= 0) & (b[:, 1] >= 0) & (b[:, 2] <= FRAME_W) & (b[:, 3] <= FRAME_H)
        b[~inside] = np.nan
        boxes.append(b)
    return frames, boxes


class _KnownBoxes:
    """A detector stand-in that returns the cut-outs' true boxes for each frame in turn."""

    classes = ["object"]

    def __init__(self, boxes):
        self.boxes = iter(boxes)

    def __call__(self, image):
        b = next(self.boxes)
        keep = np.flatnonzero(~np.isnan(b[:, 0]))
        # The object's index rides in the class-free score's decimals: 0.9 + i / 1000.
        return Detections(b[keep], 0.9 + keep / 1000.0, np.zeros(len(keep), int))


def _id_switches(frames, boxes, cmc: bool) -> int:
    """CLEAR-MOT style: times an object's track id differs from the one it had when last tracked."""
    pipe = Pipeline(_KnownBoxes(boxes), None, cmc=cmc, n_init=1, max_age=30)
    last: dict[int, int] = {}
    switches = 0
    for i, img in enumerate(frames):
        res = pipe.process(img, i)
        hit = res.tracks.det_index >= 0
        for tid, d in zip(res.tracks.track_id[hit], res.tracks.det_index[hit]):
            obj = int(round((res.detections.score[d] - 0.9) * 1000))
            if obj in last and last[obj] != tid:
                switches += 1
            last[obj] = int(tid)
    return switches


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_camera_motion_compensation_cuts_id_switches_on_a_panned_clip(seed):
    frames, boxes = _panned_clip(seed)
    without = _id_switches(frames, boxes, cmc=False)
    with_cmc = _id_switches(frames, boxes, cmc=True)
    assert with_cmc < without
    assert with_cmc <= 1


def test_cli_refuses_cmc_on_a_detection_file(mot_sequence, capsys):
    from tracker.cli import main

    (mot_sequence / "det").mkdir()
    (mot_sequence / "det" / "det.txt").write_text("1,-1,4,20,16,16,0.9,-1,-1,-1\n")
    assert main(["track", str(mot_sequence), "--cmc", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("tracker: error: --cmc needs frames")
