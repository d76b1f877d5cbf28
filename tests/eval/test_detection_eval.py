"""pycocotools-backed mAP: perfect predictions score 1, shifted ones less, none 0; input forms agree."""

import json

import pytest

from tracker.eval.detection import evaluate_detections
from tracker.detections import Detections
from tracker.errors import TrackerError


def _gt():
    # Two images, two categories with non-contiguous ids (as in COCO), three boxes.
    return {
        "images": [{"id": 7, "file_name": "a.png", "width": 100, "height": 80}, {"id": 3, "file_name": "b.png", "width": 100, "height": 80}],
        "annotations": [
            {"id": 1, "image_id": 7, "category_id": 5, "bbox": [10, 10, 30, 20], "area": 600, "iscrowd": 0},
            {"id": 2, "image_id": 7, "category_id": 9, "bbox": [50, 30, 40, 40], "area": 1600, "iscrowd": 0},
            {"id": 3, "image_id": 3, "category_id": 5, "bbox": [0, 0, 20, 60], "area": 1200, "iscrowd": 0},
        ],
        "categories": [{"id": 9, "name": "dog"}, {"id": 5, "name": "cat"}],
    }


def _perfect():
    return [{"image_id": a["image_id"], "category_id": a["category_id"], "bbox": a["bbox"], "score": 0.9} for a in _gt()["annotations"]]


def test_perfect_predictions_score_one(tmp_path):
    gt_path = tmp_path / "gt.json"
    gt_path.write_text(json.dumps(_gt()))
    pred_path = tmp_path / "pred.json"
    pred_path.write_text(json.dumps(_perfect()))
    m = evaluate_detections(gt_path, pred_path)
    assert m["map"] == pytest.approx(1.0) and m["map50"] == pytest.approx(1.0)
    assert (m["n_images"], m["n_gt"], m["n_pred"]) == (2, 3, 3)


def test_shifted_boxes_score_lower():
    shifted = []
    for r in _perfect():
        x, y, w, h = r["bbox"]
        shifted.append(dict(r, bbox=[x + 0.3 * w, y, w, h]))  # IoU 0.54: counts at 0.5, not above
    m = evaluate_detections(_gt(), shifted)
    assert m["map50"] == pytest.approx(1.0)
    assert m["map"] < 0.2
    far = [dict(r, bbox=[r["bbox"][0] + r["bbox"][2], *r["bbox"][1:]]) for r in _perfect()]
    assert evaluate_detections(_gt(), far)["map50"] == 0.0


def test_empty_predictions_score_zero(tmp_path):
    assert evaluate_detections(_gt(), [])["map"] == 0.0
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert evaluate_detections(_gt(), empty)["map50"] == 0.0
    lines = tmp_path / "none.jsonl"
    lines.write_text('{"frame": 0, "detections": []}\n{"frame": 1, "detections": []}\n')
    assert evaluate_detections(_gt(), lines)["map50"] == 0.0


def test_json_lines_map_frames_to_images_in_file_order(tmp_path):
    # Frame 0 -> image id 7 (first in the file), frame 1 -> image id 3. Labels pick the category;
    # without a label, class_id c is the c-th category by ascending id (0 -> cat (5), 1 -> dog (9)).
    recs = [
        {"frame": 0, "detections": [
            {"xyxy": [10, 10, 40, 30], "score": 0.9, "class_id": 42, "label": "cat"},
            {"xyxy": [50, 30, 90, 70], "score": 0.8, "class_id": 1},
        ]},
        {"frame": 1, "detections": [{"xyxy": [0, 0, 20, 60], "score": 0.7, "class_id": 0, "label": "other"}]},
    ]
    p = tmp_path / "det.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in recs))
    assert evaluate_detections(_gt(), p)["map"] == pytest.approx(1.0)
    one_based = [dict(r, frame=r["frame"] + 1) for r in recs]
    p.write_text("".join(json.dumps(r) + "\n" for r in one_based))
    assert evaluate_detections(_gt(), p, frame_base=1)["map"] == pytest.approx(1.0)
    with pytest.raises(TrackerError, match="frame 2 has no ground-truth image"):
        evaluate_detections(_gt(), p)


def test_detections_list_in_image_order():
    dets = [
        Detections([[10, 10, 40, 30], [50, 30, 90, 70]], [0.9, 0.8], [0, 1]),
        Detections([[0, 0, 20, 60]], [0.7], [0]),
    ]
    assert evaluate_detections(_gt(), dets)["map"] == pytest.approx(1.0)
    # A missed box and a false positive lower the score.
    dets[1] = Detections([[60, 0, 80, 60]], [0.95], [0])
    assert 0 < evaluate_detections(_gt(), dets)["map50"] < 1


@pytest.mark.parametrize(
    "gt_text,pred_text,match",
    [
        ("{broken", "[]", "not valid JSON"),
        ('{"images": []}', "[]", "not a COCO detection file"),
        (json.dumps(dict(_gt(), annotations=[{"image_id": 7, "category_id": 5, "bbox": [1, 2, 3]}])), "[]", "malformed COCO entry"),
        (json.dumps(_gt()), '[{"image_id": 7, "bbox": [1, 2, 3, 4]}]', "malformed"),
        (json.dumps(_gt()), '[{"image_id": 99, "category_id": 5, "bbox": [1, 2, 3, 4], "score": 1}]', "image ids not in"),
        (json.dumps(_gt()), '{"frame": 0, "detections": [{"xyxy": [1, 2]}]}\n', "malformed detection record"),
        (json.dumps(_gt()), "not json\n", "not a JSON line"),
    ],
)
def test_malformed_inputs_raise_one_line_errors(tmp_path, gt_text, pred_text, match):
    gt, pred = tmp_path / "gt.json", tmp_path / "pred.json"
    gt.write_text(gt_text)
    pred.write_text(pred_text)
    with pytest.raises(TrackerError, match=match) as info:
        evaluate_detections(gt, pred)
    assert "\n" not in str(info.value)


def test_missing_files(tmp_path):
    with pytest.raises(TrackerError, match="not found"):
        evaluate_detections(tmp_path / "nope.json", [])
    with pytest.raises(TrackerError, match="not found"):
        evaluate_detections(_gt(), tmp_path / "nope.jsonl")


def test_pycocotools_output_is_quiet(capsys):
    evaluate_detections(_gt(), _perfect())
    assert capsys.readouterr().out == ""
    evaluate_detections(_gt(), _perfect(), verbose=True)
    assert "Average Precision" in capsys.readouterr().out
