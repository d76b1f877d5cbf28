import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tracker.cli.eval import BENCHMARK_CHOICES
from tracker.errors import TrackerError
from tracker.eval.tracking import BENCHMARKS, detect_benchmark, evaluate_mot, format_table
from tracker.io.mot import read_table

SEQINFO = "[Sequence]\nname={name}\nimDir=img1\nframeRate=10\nseqLength=20\nimWidth=640\nimHeight=480\nimExt=.jpg\n"


def write_gt(root, name="S1"):
    seq = root / name
    (seq / "gt").mkdir(parents=True)
    (seq / "seqinfo.ini").write_text(SEQINFO.format(name=name))
    rows = []
    for f in range(1, 21):
        rows.append(f"{f},1,{10 + 5 * f},50,40,100,1,1,1")
        rows.append(f"{f},2,{400 - 5 * f},60,40,100,1,1,1")
    (seq / "gt" / "gt.txt").write_text("\n".join(rows) + "\n")
    return seq


def test_perfect_predictions_score_100(tmp_path):
    seq = write_gt(tmp_path / "gt")
    pred = tmp_path / "pred.txt"
    lines = [",".join(r.split(",")[:6]) + ",1,-1,-1,-1" for r in (seq / "gt" / "gt.txt").read_text().split()]
    pred.write_text("\n".join(lines) + "\n")
    s = evaluate_mot(seq, pred)
    assert s[0].HOTA == pytest.approx(100) and s[0].IDF1 == pytest.approx(100) and s[0].IDSW == 0


def test_id_switch_is_counted_and_lowers_scores(tmp_path):
    seq = write_gt(tmp_path / "gt")
    rows = []
    for r in (seq / "gt" / "gt.txt").read_text().split():
        f, i, x, y, w, h = r.split(",")[:6]
        if int(f) > 10:  # ids swap half way
            i = "2" if i == "1" else "1"
        rows.append(f"{f},{i},{x},{y},{w},{h},1,-1,-1,-1")
    (tmp_path / "pred").mkdir()
    (tmp_path / "pred" / "S1.txt").write_text("\n".join(rows) + "\n")
    s = evaluate_mot(tmp_path / "gt", tmp_path / "pred")
    assert [x.name for x in s] == ["S1", "COMBINED"]
    assert s[0].IDSW == 2
    assert s[0].MOTA == pytest.approx(100 * (1 - 2 / 40))
    # Best one-to-one id match: each predicted id follows one object for 10 of its 20 frames,
    # so IDTP = 20 of 40 ground-truth and 40 predicted boxes: IDF1 = 2 * 20 / (40 + 40).
    assert s[0].IDF1 == pytest.approx(50) and s[0].HOTA < 100


def test_bad_inputs(tmp_path):
    seq = write_gt(tmp_path / "gt")
    with pytest.raises(TrackerError, match="not found"):
        evaluate_mot(seq, tmp_path / "nope.txt")
    (tmp_path / "pred").mkdir()
    with pytest.raises(TrackerError, match="no predictions for sequence S1"):
        evaluate_mot(tmp_path / "gt", tmp_path / "pred")
    bad = tmp_path / "bad.txt"
    bad.write_text("1,1,a,b\n")
    with pytest.raises(TrackerError, match="bad.txt:1"):
        evaluate_mot(seq, bad)


# -- protocols ---------------------------------------------------------------------------------------


def write_seq(root, name, gt_lines, length=20):
    seq = root / name
    (seq / "gt").mkdir(parents=True)
    (seq / "seqinfo.ini").write_text(SEQINFO.format(name=name).replace("seqLength=20", f"seqLength={length}"))
    (seq / "gt" / "gt.txt").write_text("\n".join(gt_lines) + "\n")
    return seq


def boxes(f):
    """Two people walking apart: (id, x, y, w, h) in frame f."""
    return [(1, 10 + 5 * f, 50, 40, 100), (2, 400 - 5 * f, 60, 40, 100)]


def mot15_gt(world_x=False):
    # MOT15: frame,id,x,y,w,h,1,x_world,y_world,z_world; -1 where there is no world position.
    return [
        f"{f},{i},{x},{y},{w},{h},1,{(f'{3.7 + f:.2f},{-2.1:.2f},0') if world_x else '-1,-1,-1'}"
        for f in range(1, 21)
        for i, x, y, w, h in boxes(f)
    ]


def write_pred(path, keep=lambda f, i: True):
    rows = [f"{f},{i},{x},{y},{w},{h},1,-1,-1,-1" for f in range(1, 21) for i, x, y, w, h in boxes(f) if keep(f, i)]
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize("world_x", [False, True])
def test_mot15_layout_perfect_prediction_scores_100(tmp_path, world_x):
    seq = write_seq(tmp_path / "gt", "TUD-Campus", mot15_gt(world_x))
    s = evaluate_mot(seq, write_pred(tmp_path / "pred.txt"))
    assert [x.protocol for x in s] == ["MOT15", "MOT15"]
    assert s[-1].HOTA == pytest.approx(100) and s[-1].MOTA == pytest.approx(100) and s[-1].IDSW == 0


def test_mot15_layout_misses_are_counted(tmp_path):
    seq = write_seq(tmp_path / "gt", "TUD-Campus", mot15_gt())
    # Object 2 missed in frames 11-20: 10 of 40 ground-truth boxes -> MOTA 75, recall-limited DetA.
    s = evaluate_mot(seq, write_pred(tmp_path / "pred.txt", keep=lambda f, i: i == 1 or f <= 10))
    assert s[0].MOTA == pytest.approx(75) and s[0].IDSW == 0 and s[0].HOTA < 100


def mot17_gt_with_vehicle():
    # Person (class 1, flag 1) and a parked vehicle marked non-MOT vehicle (class 6, flag 0).
    return [f"{f},{i},{x},{y},{w},{h},{1 if i == 1 else 0},{1 if i == 1 else 6},1" for f in range(1, 21) for i, x, y, w, h in boxes(f)]


@pytest.mark.parametrize(
    "name, benchmark, protocol, mota",
    [
        ("MOT17-02-FRCNN", None, "MOT17", 0.0),  # class 6 is no distractor in MOT17: every vehicle box is a FP
        ("MOT20-01", None, "MOT20", 100.0),  # MOT20 removes predictions on non-MOT vehicles
        ("MOT17-02-FRCNN", "MOT20", "MOT20", 100.0),
        ("MOT20-01", "MOT17", "MOT17", 0.0),
    ],
)
def test_protocol_from_name_or_benchmark(tmp_path, name, benchmark, protocol, mota):
    seq = write_seq(tmp_path / "gt", name, mot17_gt_with_vehicle())
    s = evaluate_mot(seq, write_pred(tmp_path / "pred.txt"), benchmark=benchmark)
    assert s[-1].protocol == protocol and s[-1].MOTA == pytest.approx(mota)


@pytest.mark.parametrize(
    "lines, names, expect",
    [
        (["1,1,0,0,5,5,1,-1,-1,-1"], ("TUD-Campus",), "MOT15"),
        (["1,1,0,0,5,5,1,18.7,-4.2,0"], ("PETS09-S2L1",), "MOT15"),
        (["1,1,0,0,5,5,1,1,1", "1,2,0,0,5,5,1,-1,-1,-1"], ("x",), "MOT15"),  # any non-class row
        (["1,1,0,0,5,5,1,1", "1,2,0,0,5,5,0,7,0.2"], ("MOT17-02-SDP",), "MOT17"),
        (["1,1,0,0,5,5,1,1,1"], ("MOT16-04",), "MOT16"),
        (["1,1,0,0,5,5,1,1,1"], ("seq", "MOT20-05"), "MOT20"),
        (["1,1,0,0,5,5,1,1,1"], ("dancetrack0004",), "DanceTrack"),
        (["1,1,0,0,5,5,1,1,1"], ("ADL-Rundle-6",), "MOT17"),
        ([], ("TUD-Campus",), "MOT17"),
    ],
)
def test_detect_benchmark(tmp_path, lines, names, expect):
    p = tmp_path / "gt.txt"
    p.write_text("\n".join(lines) + "\n")
    assert detect_benchmark(read_table(p), names) == expect


def test_table_names_the_protocol(tmp_path):
    seq = write_seq(tmp_path / "gt", "dancetrack0001", [f"{f},{i},{x},{y},{w},{h},1,1,1" for f in range(1, 21) for i, x, y, w, h in boxes(f)])
    s = evaluate_mot(seq, write_pred(tmp_path / "pred.txt"))
    table = format_table(s)
    assert table.splitlines()[0].startswith("DanceTrack, MOT17 protocol (TrackEval MotChallenge2DBox)")
    assert table.splitlines()[-1].split()[0] == "COMBINED"


def test_cli_choices_match_the_library():
    assert tuple(BENCHMARKS) == BENCHMARK_CHOICES


def test_huge_and_negative_ids_are_renumbered(tmp_path):
    seq = write_seq(tmp_path / "gt", "TUD-Campus", [r.replace(",1,", ",-7,", 1) if r.split(",")[1] == "1" else r for r in mot15_gt()])
    pred = tmp_path / "pred.txt"
    pred.write_text("".join(f"{f},{10**15 + i},{x},{y},{w},{h},1,-1,-1,-1\n" for f in range(1, 21) for i, x, y, w, h in boxes(f)))
    assert evaluate_mot(seq, pred)[-1].HOTA == pytest.approx(100)


def test_frame_past_seqinfo_length_names_file_and_line(tmp_path):
    seq = write_seq(tmp_path / "gt", "S1", mot15_gt())
    pred = write_pred(tmp_path / "pred.txt")
    pred.write_text(pred.read_text() + "25,1,10,10,5,5,1,-1,-1,-1\n")
    for gt in (seq, seq / "gt" / "gt.txt"):  # gt.txt inside a sequence folder uses its seqinfo.ini too
        with pytest.raises(TrackerError, match=r"pred.txt:41: frame 25 is past the sequence length 20"):
            evaluate_mot(gt, pred)


def test_huge_frame_without_seqinfo_is_refused_quickly(tmp_path):
    gt = tmp_path / "gt.txt"
    gt.write_text("\n".join(mot15_gt()) + "\n")
    pred = tmp_path / "pred.txt"
    pred.write_text("1,1,10,10,5,5,1,-1,-1,-1\n1000000000,1,10,10,5,5,1,-1,-1,-1\n")
    with pytest.raises(TrackerError, match=r"pred.txt:2: frame 1000000000 with no seqinfo.ini"):
        evaluate_mot(gt, pred)


@pytest.mark.parametrize(
    "which, line, message",
    [
        ("pred", "3,2,10,10,5,5,1,-1,-1,-1", r"pred.txt:41: frame 3 repeats id 2 \(an id may appear once per frame\)"),
        ("gt", "3,2,10,10,5,5,1,-1,-1,-1", r"gt.txt:41: frame 3 repeats id 2"),
        ("pred", "3,2.5,10,10,5,5,1,-1,-1,-1", r"pred.txt:41: track id 2.5 is not an integer"),
    ],
)
def test_bad_ids_are_one_line_errors(tmp_path, which, line, message):
    seq = write_seq(tmp_path / "gt", "S1", mot15_gt())
    pred = write_pred(tmp_path / "pred.txt")
    target = pred if which == "pred" else seq / "gt" / "gt.txt"
    target.write_text(target.read_text() + line + "\n")
    with pytest.raises(TrackerError, match=message) as info:
        evaluate_mot(seq, pred)
    assert "\n" not in str(info.value)


def test_benchmark_that_needs_classes_on_mot15_layout(tmp_path):
    seq = write_seq(tmp_path / "gt", "S1", mot15_gt())
    with pytest.raises(TrackerError, match=r"gt.txt:1: column 8 is -1, not a class id 1-13 as MOT17"):
        evaluate_mot(seq, write_pred(tmp_path / "pred.txt"), benchmark="MOT17")
    with pytest.raises(TrackerError, match="unknown benchmark"):
        evaluate_mot(seq, write_pred(tmp_path / "pred.txt"), benchmark="KITTI")


def test_mixed_protocols_in_one_folder(tmp_path):
    write_seq(tmp_path / "gt", "A", mot15_gt())
    write_seq(tmp_path / "gt", "MOT20-01", mot17_gt_with_vehicle())
    (tmp_path / "pred").mkdir()
    write_pred(tmp_path / "pred" / "A.txt")
    write_pred(tmp_path / "pred" / "MOT20-01.txt")
    with pytest.raises(TrackerError, match=r"different protocols \(A: MOT15, MOT20-01: MOT20\)"):
        evaluate_mot(tmp_path / "gt", tmp_path / "pred")
    s = evaluate_mot(tmp_path / "gt", tmp_path / "pred", benchmark="MOT15")
    assert [x.name for x in s] == ["A", "MOT20-01", "COMBINED"] and {x.protocol for x in s} == {"MOT15"}


# -- property: whatever the prediction file holds, scores or one TrackerError ---------------------------


value = st.one_of(
    st.integers(-3, 25).map(str),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: f"{v:.3f}"),
    st.sampled_from(["1e12", "-1", "0", "nan", "x", "", "1e400"]),
)
garbage_line = st.lists(value, min_size=6, max_size=11).map(",".join)
# Rows a tracker could really write: any frame of the sequence, ids small, negative or huge, boxes of
# any size including zero and far off-image.
row = st.tuples(
    st.integers(1, 20),
    st.sampled_from([1, 2, 3, -1, 0, 10**12]),
    st.floats(-1e5, 1e5),
    st.floats(-1e5, 1e5),
    st.sampled_from([0.0, 0.5, 40.0, 1e5]),
    st.sampled_from([0.0, 100.0, 1e5]),
    st.floats(0, 1),
).map(lambda r: ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in r) + ",-1,-1,-1")
rows = st.lists(row, max_size=15, unique_by=lambda r: tuple(r.split(",")[:2]))
pred_lines = st.one_of(rows, rows, rows, st.tuples(rows, garbage_line, rows).map(lambda t: t[0] + [t[1]] + t[2]), st.lists(garbage_line, max_size=4))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=pred_lines, mot15=st.booleans())
def test_random_predictions_score_or_fail_in_one_line(tmp_path, lines, mot15):
    root = tmp_path / ("a" if mot15 else "b")
    if not root.exists():
        gt = mot15_gt() if mot15 else [f"{f},{i},{x},{y},{w},{h},1,1,1" for f in range(1, 21) for i, x, y, w, h in boxes(f)]
        write_seq(root, "S1", gt)
    pred = tmp_path / "pred.txt"
    pred.write_text("\n".join(lines) + "\n")
    try:
        s = evaluate_mot(root / "S1", pred)
    except TrackerError as exc:
        assert "\n" not in str(exc) and "TrackEval could not" not in str(exc)
        event("refused")
        return
    event("scored")
    assert 0 <= s[-1].HOTA <= 100 and s[-1].MOTA <= 100 and s[-1].IDSW >= 0
