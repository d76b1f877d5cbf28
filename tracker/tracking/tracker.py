"""DeepSORT: where a frame's detections become tracks.

Per frame (Wojke et al. 2017, plus two measured additions, see ``TrackerConfig``):

1. Predict every track with the Kalman filter.
2. Confirmed tracks vs confident detections: with embeddings, the matching cascade on cosine distance
   to each track's gallery, gated by the chi-square 95% Mahalanobis bound; without embeddings, IoU.
3. Tentative and just-lost tracks vs the detections left: IoU.
4. (ByteTrack) confirmed tracks still unmatched vs low-score detections: IoU.
5. (Re-identification) lost tracks vs detections left: appearance alone, inside a loose motion gate.
6. Lifecycle: tentative -> confirmed after ``n_init`` hits (public id assigned then, never reused);
   tentative tracks die on their first miss; confirmed ones after ``max_age`` misses.

Every pair is class-gated (a detection never extends a track of another class) unless
``class_agnostic`` is set; then a track's class is the score-weighted vote of its detections.

Options from the trackers since DeepSORT, each off unless it measured better across the dev sets
(``benchmarks/track_sweep.py``): BoT-SORT's (cx, cy, w, h) Kalman state, NSA Kalman (StrongSORT),
OC-SORT's observation-centric re-update (ORU), direction consistency (OCM) and recovery (OCR), an
exponential moving average as the appearance state, and coasting only for mature tracks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..boxes import cxcywh_to_xyxy, xyah_to_xyxy, xyxy_to_cxcywh, xyxy_to_xyah
from ..detections import Detections, Tracks, TrackState
from .kalman_filter import CHI2INV95, KalmanFilter, nsa_scale
from .matching import INF_COST, assign, cosine_cost, gate_classes, iou_cost, matching_cascade
from .track import TrackTable, unit


@dataclass
class TrackerConfig:
    """Tracker settings. Defaults were chosen by the MINIMUM HOTA margin over the best peer across four
    dev sets (real detections: mot15-dev, kitti-car-dev, kitti-ped-dev; simulated: mot17), with
    ``benchmarks/track_sweep.py`` (commands and tables in benchmarks/README.md). Real false positives
    persist and real misses come in runs, so only long-lived tracks are reported while coasting
    (``coast_min_hits`` 30; coasting is +6 on the simulator, -1 to -5 on 10 fps driving footage), and
    births need a confident box: ``new_track_score`` 0.8 and ``high_score`` 0.6 gave the best minimum
    margin (+0.1; 0.5 / 0.5: -3.9 on kitti-ped-dev). These are the defaults for detection files from
    unknown detectors; score calibration belongs to the detector, so ``Pipeline`` applies each bundled
    detector's ``score_tiers`` under the user's options (NanoDet's people score 0.3-0.7, not 0.9;
    ``benchmarks/detector_tiers.py``). The xywh state, NSA and ORU each moved the minimum margin up by
    0.1 to 1.

    Attributes:
        max_age: misses after which a confirmed track is deleted (frames).
        n_init: hits needed to confirm a track.
        high_score: detections at or above this score take part in the main association.
        low_score: detections in [low_score, high_score) can only extend existing tracks (ByteTrack).
        new_track_score: an unmatched detection starts a track only at or above this score.
        max_iou_distance: IoU matches need 1 - IoU <= this.
        low_iou_distance: the same bound for the low-score (second) association.
        max_cosine_distance: appearance matches need cosine distance <= this.
        reid_cosine_distance: stricter bound for re-identifying lost tracks past the IoU gate.
        gallery_budget: embeddings kept per track.
        iou_for_all_lost: after the appearance cascade, every unmatched confirmed track may match by IoU
            (the paper allows it only for tracks missed in the last frame).
        fuse_score: weigh IoU cost by detection score (helps prefer confident boxes).
        confirm_on_first_frame: tracks born on the first frame are confirmed at once.
        output_coasting: also report confirmed tracks missed for up to this many frames, at their
            predicted box with score 0 and ``det_index`` -1 (fills short detector misses).
        output_filtered_boxes: report the Kalman-corrected box rather than the raw detection box
            (detections jitter from frame to frame; the filter averages that out).
        std_weight_position, std_weight_velocity: Kalman noise as fractions of box height.
        frame_rate: frames per second of the source. ``max_age`` and ``output_coasting`` are counted in
            frames at 30 fps and scale with it (a 10 fps source keeps lost tracks a third as many frames,
            the same time): a prediction goes as wrong in 3 frames at 10 fps as in 9 at 30.
        kalman_state: ``"xyah"`` (DeepSORT) or ``"xywh"`` (BoT-SORT: width and height filtered apart).
        nsa: NSA Kalman: measurement noise times ``(1 - score)^2`` (confident boxes pull harder).
        oru: OC-SORT's observation-centric re-update: when a lost track is matched again, re-run the
            filter from its last observation through a straight virtual path to the new one, instead of
            keeping the velocity it drifted with while unobserved.
        ocm_weight: OC-SORT's direction consistency: IoU cost minus this times the agreement between a
            track's direction of motion and the direction to each detection (0 = off; OC-SORT uses 0.2).
        ocm_delta: frames back to the observation that defines a track's direction (OC-SORT: 3).
        ocr: OC-SORT's observation-centric recovery: confirmed tracks still unmatched try the detections
            left by IoU with their last observed box instead of their prediction.
        appearance_ema: if set, one embedding per track, ``e <- ema * e + (1 - ema) * new``, instead of
            the gallery (StrongSORT and BoT-SORT use 0.9).
        coast_min_hits: only tracks with at least this many hits are reported while coasting.
        appearance_iou_distance: when detections carry embeddings, the IoU stages use plain ``1 - IoU``
            (no ``fuse_score``) gated at this instead of ``max_iou_distance`` (None: as without embeddings).
            Chosen on pets09-dev, the whole pipeline on real video (``benchmarks/track_pets09.py --sweep``):
            HOTA 54.9 vs 53.1 with the fused rule, and 53.2-55.9 over 12 embedder/gallery variants where
            the fused rule and a plain 0.8 gate swing from 46 to 55. Detection files carry no embeddings,
            so the dev-set defaults above are untouched.
        class_agnostic: associate across classes; a track's class is its detections' score-weighted vote
            (real detectors label one person person, cat and dog in consecutive frames).
        tentative_iou_distance: the IoU bound for tentative tracks (None: ``max_iou_distance``). A
            stricter gate for tracks not yet confirmed (0.65 vs 0.8) raised every set or kept it level
            (minimum margin +0.1 -> +0.3; kitti-ped 37.9 -> 38.3): a doubtful track should not grab a
            box that only loosely overlaps its one-frame-old prediction.
    """

    max_age: int = 30
    n_init: int = 2
    high_score: float = 0.6
    low_score: float = 0.1
    new_track_score: float = 0.8
    max_iou_distance: float = 0.8
    low_iou_distance: float = 0.5
    max_cosine_distance: float = 0.2
    reid_cosine_distance: float = 0.15
    gallery_budget: int = 100
    fuse_score: bool = True
    iou_for_all_lost: bool = True
    confirm_on_first_frame: bool = True
    output_filtered_boxes: bool = True
    output_coasting: int = 3
    std_weight_position: float = 1.0 / 20
    std_weight_velocity: float = 1.0 / 160
    frame_rate: float = 30.0
    kalman_state: str = "xywh"
    nsa: bool = True
    oru: bool = True
    ocm_weight: float = 0.0
    ocm_delta: int = 3
    ocr: bool = False
    appearance_ema: float | None = None
    coast_min_hits: int = 30
    class_agnostic: bool = False
    appearance_iou_distance: float | None = 0.7
    tentative_iou_distance: float | None = 0.65


class Tracker:
    """Multi-object tracker: feed it each frame's :class:`Detections`, get :class:`Tracks` back.

    >>> t = Tracker()
    >>> tracks = t.update(Detections(xyxy=[[10, 10, 50, 90]], score=[0.9], class_id=[0]))
    """

    def __init__(self, config: TrackerConfig | None = None, **overrides):
        cfg = config or TrackerConfig()
        for k in overrides:
            if not hasattr(cfg, k):
                raise TypeError(f"unknown tracker option {k!r}")
        # A copy: the caller's config object is never written into.
        cfg = replace(cfg, **overrides)
        self.config = cfg
        self.kf = KalmanFilter(cfg.std_weight_position, cfg.std_weight_velocity, state=cfg.kalman_state)
        if cfg.kalman_state == "xywh":
            self._to_z, self._to_xyxy = xyxy_to_cxcywh, cxcywh_to_xyxy
        else:
            self._to_z, self._to_xyxy = xyxy_to_xyah, xyah_to_xyxy
        self.set_frame_rate(cfg.frame_rate)
        self.tracks = self._new_table()
        self.frame_count = 0
        self._last_match = np.zeros(0, np.int64)  # per row: this frame's detection index, -1 if none
        self._next_key = 1
        self._next_id = 1

    def set_frame_rate(self, fps: float) -> None:
        """Scale the frame counts defined at 30 fps (``max_age``, ``output_coasting``) to ``fps``.

        Called by :class:`~tracker.pipeline.Pipeline` and :func:`~tracker.pipeline.track_detections` with
        the source's rate when the user did not give ``frame_rate``.
        """
        cfg = self.config
        if not (fps and np.isfinite(fps) and fps > 0):
            return
        cfg.frame_rate = float(fps)
        self.max_age = max(1, int(round(cfg.max_age * cfg.frame_rate / 30.0)))
        self.output_coasting = int(round(cfg.output_coasting * cfg.frame_rate / 30.0))

    # ------------------------------------------------------------------------------------------------
    def update(self, detections: Detections) -> Tracks:
        """Advance one frame.

        Returns the confirmed tracks matched this frame, plus those coasting through a short miss
        (``output_coasting``; ``det_index`` -1, score 0, predicted box).
        """
        kf, T = self.kf, self.tracks
        self.frame_count += 1
        if len(detections) == 0 and len(T) == 0:  # nothing to do (frequent: scenes with no targets)
            return _EMPTY_TRACKS()
        det_index = detections.valid_index()  # NaN or degenerate boxes are dropped, not tracked
        det = detections[det_index] if len(det_index) != len(detections) else detections

        if len(T):
            T.mean[:], T.cov[:] = kf.predict(T.mean, T.cov)  # in place: the table's rows are views
            T.age += 1
            T.time_since_update += 1

        matches = self._associate(det)
        self._apply(det, matches)
        return self._output(det, det_index)

    def reset(self) -> None:
        """Forget all tracks and start counting frames again (ids keep counting, so they are never reused)."""
        self.tracks = self._new_table()
        self.frame_count = 0
        self._last_match = np.zeros(0, np.int64)

    def _new_table(self) -> TrackTable:
        cfg = self.config
        return TrackTable(cfg.gallery_budget, ema=cfg.appearance_ema, history=cfg.ocm_delta)

    def _gate_classes(self, cost: np.ndarray, track_class: np.ndarray, det_class: np.ndarray) -> np.ndarray:
        return cost if self.config.class_agnostic else gate_classes(cost, track_class, det_class)

    def apply_camera_motion(self, warp: np.ndarray) -> None:
        """Move every track by the camera's motion since the last frame (a 2x3 affine from previous-frame
        to current-frame pixels, see :mod:`tracker.tracking.cmc`); call it before :meth:`update`."""
        from .cmc import warp_state

        T = self.tracks
        if len(T):
            T.mean[:], T.cov[:] = warp_state(T.mean, T.cov, warp, getattr(self.kf, "size_dims", (3,)))

    # ------------------------------------------------------------------------------------------------
    def _associate(self, det: Detections) -> np.ndarray:
        cfg, T = self.config, self.tracks
        n, m = len(T), len(det)
        if n == 0 or m == 0:
            return np.zeros((0, 2), np.int64)
        score = det.score
        high = _nz(score >= cfg.high_score)
        low = _nz((score >= cfg.low_score) & (score < cfg.high_score))
        confirmed = T.state == TrackState.CONFIRMED
        conf_rows = _nz(confirmed)
        tsu = T.time_since_update
        pred_xyxy = self._to_xyxy(T.mean[:, :4])
        matches = []

        raw_iou_c = self._gate_classes(iou_cost(pred_xyxy, det.xyxy), T.class_id, det.class_id)
        use_appearance = det.embedding is not None
        iou_gate = cfg.max_iou_distance
        if use_appearance and cfg.appearance_iou_distance is not None:
            # Score fusion scales IoU by the detection's score (about 0.5 for NanoDet's people): the gate
            # then drops real continuations between 7 fps frames. With embeddings, plain IoU >= 0.3
            # measured better on pets09-dev (benchmarks/track_pets09.py --sweep).
            iou_c, iou_gate = raw_iou_c, cfg.appearance_iou_distance
        else:
            iou_c = 1.0 - (1.0 - raw_iou_c) * score[None, :] if cfg.fuse_score else raw_iou_c
        if cfg.ocm_weight > 0:
            # The gate stays on the plain cost; direction only decides among the pairs it lets through.
            iou_c = np.where(iou_c <= iou_gate, iou_c - cfg.ocm_weight * self._direction_agreement(det), INF_COST)

        if use_appearance:
            # Appearance (cascade) for confirmed tracks, gated by motion.
            app = cosine_cost([T.gallery(i) for i in range(n)], det.embedding)
            gd = self.kf.gating_distance(T.mean, T.cov, self._to_z(det.xyxy))
            app[gd > CHI2INV95[4]] = INF_COST
            self._gate_classes(app, T.class_id, det.class_id)
            mt, um_rows, um_cols = matching_cascade(app, cfg.max_cosine_distance, tsu, conf_rows, high)
            matches.append(mt)
            # Then IoU, as without appearance: DeepSORT gives IoU only to tracks lost this frame, but
            # letting every unmatched confirmed track try IoU measured better (appearance fails under
            # partial occlusion and look-alikes; motion still holds).
            iou_rows = um_rows if cfg.iou_for_all_lost else um_rows[tsu[um_rows] == 1]
            lost_rows = np.setdiff1d(um_rows, iou_rows)
        else:
            iou_rows, um_cols, lost_rows = conf_rows, high, np.zeros(0, np.int64)
        # Confirmed tracks (recent or lost) choose first, tentative ones take what is left.
        mt, um_r, um_cols = _sub_assign(iou_c, iou_rows, um_cols, iou_gate)
        # Tentative tracks: the stricter of the two gates (a doubtful track should not grab a loose overlap).
        t_gate = iou_gate if cfg.tentative_iou_distance is None else min(iou_gate, cfg.tentative_iou_distance)
        mt_t, _, um_cols = _sub_assign(iou_c, _nz(~confirmed), um_cols, t_gate)
        matches += [mt, mt_t]

        # ByteTrack: confirmed tracks still unmatched get a chance with the low-score boxes.
        second_rows = um_r[confirmed[um_r]]
        # Their scores are low by definition, so score fusion would rule them out: plain IoU here.
        mt2, um_r2, _ = _sub_assign(raw_iou_c, second_rows, low, cfg.low_iou_distance)
        matches.append(mt2)

        if cfg.ocr and len(um_r2) and len(um_cols):
            # OC-SORT's recovery: the last observed box, not the drifted prediction, against what is left.
            rows = um_r2[confirmed[um_r2]]
            c = self._gate_classes(iou_cost(T.last_obs[rows], det.xyxy[um_cols]), T.class_id[rows], det.class_id[um_cols])
            m3, ur3, uc3 = assign(c, cfg.max_iou_distance)
            if len(m3):
                matches.append(np.stack([rows[m3[:, 0]], um_cols[m3[:, 1]]], 1))
                um_r2 = np.concatenate([rows[ur3], um_r2[~confirmed[um_r2]]])
                um_cols = um_cols[uc3]

        if use_appearance and len(um_cols):
            # Re-identify lost tracks by appearance alone where IoU no longer overlaps.
            rows = np.union1d(lost_rows, um_r2[confirmed[um_r2]])
            gd_pos = self.kf.gating_distance(T.mean[rows], T.cov[rows], self._to_z(det.xyxy[um_cols]), only_position=True)
            c = app[np.ix_(rows, um_cols)].copy()
            c[gd_pos > 4 * CHI2INV95[2]] = INF_COST
            mt3, _, _ = assign(c, cfg.reid_cosine_distance)
            if len(mt3):
                matches.append(np.stack([rows[mt3[:, 0]], um_cols[mt3[:, 1]]], 1))
        return np.concatenate(matches).astype(np.int64)

    def _direction_agreement(self, det: Detections) -> np.ndarray:
        """OC-SORT's OCM term, ``(tracks, detections)``: ``(pi/2 - angle) / pi`` between each track's
        direction of motion and the direction from its previous observation to the detection, times the
        detection's score; 0 for tracks with no direction yet."""
        T = self.tracks
        prev, _ = T.previous_centre(self.frame_count)
        centre = (det.xyxy[:, :2] + det.xyxy[:, 2:]) / 2
        to_det = unit(centre[None, :, :] - prev[:, None, :])
        cos = np.clip(np.einsum("nmd,nd->nm", to_det, T.vel_dir), -1.0, 1.0)
        term = (np.pi / 2 - np.arccos(cos)) / np.pi
        term[~T.vel_dir.any(1)] = 0.0
        return term * det.score[None, :]

    def _apply(self, det: Detections, matches: np.ndarray) -> None:
        cfg, kf, T = self.config, self.kf, self.tracks
        if len(matches):
            r, c = matches[:, 0], matches[:, 1]
            sc = det.score[c]
            r_scale = nsa_scale(sc) if cfg.nsa else None
            gap = T.time_since_update[r]
            long = gap > 1
            if cfg.oru and long.any():
                self._reupdate(r[long], det.xyxy[c[long]], gap[long], None if r_scale is None else r_scale[long])
                short = ~long
                r_scale = None if r_scale is None else r_scale[short]
                r, c = r[short], c[short]
            if len(r):
                T.mean[r], T.cov[r] = kf.update(T.mean[r], T.cov[r], self._to_z(det.xyxy[c]), r_scale)
            r, c = matches[:, 0], matches[:, 1]
            T.observe(r, det.xyxy[c], self.frame_count, direction=cfg.ocm_weight > 0, history=cfg.ocm_weight > 0)
            if cfg.class_agnostic:
                T.vote(r, det.class_id[c], det.score[c])
            T.hits[r] += 1
            T.time_since_update[r] = 0
            T.score[r] = sc
            promote = r[(T.state[r] == TrackState.TENTATIVE) & (T.hits[r] >= cfg.n_init)]
            self._confirm(promote)
            if det.embedding is not None:
                T.add_embeddings(r, det.embedding[c])
        self._last_match = np.full(len(T), -1, np.int64)
        if len(matches):
            self._last_match[matches[:, 0]] = matches[:, 1]

        # Lifecycle: tentative tracks die on a miss, confirmed ones after max_age misses.
        missed = T.time_since_update > 0
        dead = missed & ((T.state == TrackState.TENTATIVE) | (T.time_since_update > self.max_age))
        if dead.any():
            keep = ~dead
            T.keep(keep)
            self._last_match = self._last_match[keep]

        # Births from unmatched confident detections.
        unmatched = np.ones(len(det), bool)
        unmatched[matches[:, 1] if len(matches) else []] = False
        born = _nz(unmatched & (det.score >= cfg.new_track_score))
        if len(born):
            mean, cov = kf.initiate(self._to_z(det.xyxy[born]))
            keys = np.arange(self._next_key, self._next_key + len(born))
            self._next_key += len(born)
            emb = det.embedding[born] if det.embedding is not None else None
            first = len(T)
            T.add(mean, cov, keys, det.class_id[born], det.score[born], emb, TrackState.TENTATIVE,
                  xyxy=det.xyxy[born], frame=self.frame_count)
            self._last_match = np.concatenate([self._last_match, born])
            if cfg.confirm_on_first_frame and self.frame_count == 1 or cfg.n_init <= 1:
                self._confirm(np.arange(first, len(T)))

    def _reupdate(self, rows: np.ndarray, xyxy: np.ndarray, gap: np.ndarray, r_scale: np.ndarray | None) -> None:
        """OC-SORT's ORU: from the state at each track's last observation, step the filter ``gap`` times
        along the straight line from that observed box to ``xyxy``, updating on each virtual box (the
        last one is ``xyxy`` itself). Boxes are interpolated corner by corner (linear in centre and size)."""
        T, kf = self.tracks, self.kf
        order = np.argsort(-gap, kind="stable")  # longest gaps first: the rows still stepping are a prefix
        rows, xyxy, gap = rows[order], xyxy[order], gap[order]
        if r_scale is not None:
            r_scale = r_scale[order]
        mean, cov = T.obs_mean[rows], T.obs_cov[rows]  # fancy indexing: copies
        start = T.last_obs[rows]
        step = (xyxy - start) / gap[:, None]
        active = np.searchsorted(-gap, -np.arange(1, int(gap[0]) + 1), side="right")  # rows with gap >= k
        for k, a in enumerate(active, 1):
            z = self._to_z(start[:a] + k * step[:a])
            kf.predict_update(mean[:a], cov[:a], z, None if r_scale is None else r_scale[:a])
        T.mean[rows], T.cov[rows] = mean, cov

    def _confirm(self, rows: np.ndarray) -> None:
        if len(rows) == 0:
            return
        T = self.tracks
        T.state[rows] = TrackState.CONFIRMED
        T.track_id[rows] = np.arange(self._next_id, self._next_id + len(rows))
        self._next_id += len(rows)

    def _output(self, det: Detections, det_index: np.ndarray) -> Tracks:
        T, cfg = self.tracks, self.config
        confirmed = T.state == TrackState.CONFIRMED
        # A long-coasting prediction can shrink to nothing (height velocity); never report those.
        sane = (T.mean[:, 3] > 1.0) & (T.mean[:, 2] > 0.0)
        coast = (T.time_since_update <= self.output_coasting) & sane
        if cfg.coast_min_hits > 0:
            coast &= T.hits >= cfg.coast_min_hits
        show = confirmed & ((self._last_match >= 0) | coast)
        rows = _nz(show)
        matched = self._last_match[rows]
        hit = matched >= 0
        xyxy = self._to_xyxy(T.mean[rows, :4])
        if not cfg.output_filtered_boxes and hit.any():
            xyxy[hit] = det.xyxy[matched[hit]]
        score = np.zeros(len(rows))
        score[hit] = det.score[matched[hit]]
        idx = np.full(len(rows), -1, np.int64)
        idx[hit] = det_index[matched[hit]]
        return Tracks(
            track_id=T.track_id[rows],
            xyxy=xyxy,
            score=score,
            class_id=T.class_id[rows],
            det_index=idx,
            state=T.state[rows],
        )

    def appearance_needed(self, detections: Detections, overlap: float = 0.5, clear: float = 0.1) -> np.ndarray:
        """Which detections need an embedding for the next :meth:`update` (bool per detection).

        A detection is unambiguous, and can skip the CNN, when exactly one confirmed track seen in the
        last frame overlaps it (IoU >= ``overlap``, same class), no other track or detection comes near
        either of them (IoU < ``clear``) and that track already has embeddings. Every other detection,
        including any that might start a track, needs one. Used by ``Pipeline(appearance="fast")``.
        """
        T = self.tracks
        m = len(detections)
        if m == 0 or len(T) == 0:
            return np.ones(m, bool)
        mean, _ = self.kf.predict(T.mean, T.cov)
        iou = 1.0 - self._gate_classes(iou_cost(self._to_xyxy(mean[:, :4]), detections.xyxy), T.class_id, detections.class_id)
        iou = np.clip(iou, 0.0, 1.0)
        eligible = (T.state == TrackState.CONFIRMED) & (T.time_since_update == 0) & (T.gallery_count > 0)
        strong = (iou >= overlap) & eligible[:, None]
        near = iou >= clear
        one_track = strong.sum(0) == 1
        row = strong.argmax(0)
        track_alone = near.sum(1)[row] == 1  # that track overlaps nothing else
        det_alone = near.sum(0) == 1  # this detection overlaps no other track
        # Detections overlapping each other are ambiguous too (crossings).
        dd = iou_cost(detections.xyxy, detections.xyxy)
        det_clear = ((1.0 - dd) >= clear).sum(1) == 1
        return ~(one_track & track_alone & det_alone & det_clear)

    # -- introspection --------------------------------------------------------------------------------
    def active_tracks(self, include_tentative: bool = False) -> Tracks:
        """All live tracks with their predicted boxes, including ones not matched this frame."""
        T = self.tracks
        rows = np.arange(len(T)) if include_tentative else _nz(T.state == TrackState.CONFIRMED)
        return Tracks(
            track_id=T.track_id[rows],
            xyxy=self._to_xyxy(T.mean[rows, :4]),
            score=T.score[rows],
            class_id=T.class_id[rows],
            det_index=self._last_match[rows],
            state=T.state[rows],
        )


def _EMPTY_TRACKS() -> Tracks:
    return Tracks.empty()


def _nz(mask: np.ndarray) -> np.ndarray:
    """``np.flatnonzero`` for 1-d masks without its wrapper overhead (a hot path)."""
    return mask.nonzero()[0]


def _sub_assign(cost: np.ndarray, rows: np.ndarray, cols: np.ndarray, max_cost: float):
    """Assign on a sub-block of ``cost``; returns global indices."""
    if len(rows) == 0 or len(cols) == 0:
        return np.zeros((0, 2), np.int64), rows, cols
    m, ur, uc = assign(cost[rows][:, cols], max_cost)
    m[:, 0] = rows[m[:, 0]]
    m[:, 1] = cols[m[:, 1]]
    return m, rows[ur], cols[uc]
