"""Scoring: tracking (HOTA/MOTA/IDF1 via TrackEval) and detection (COCO mAP via pycocotools)."""
