"""Property tests: whatever bytes or MOT-ish lines reach the MOT parser, the answer is rows or a TrackerError."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.errors import TrackerError
from tracker.io.mot import read_detections, read_seqinfo, read_sequence, read_table

SEQINFO = "[Sequence]\nname=S\nimDir=img1\nframeRate=25\nseqLength=50\nimWidth=640\nimHeight=480\nimExt=.jpg\n"
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Numbers as people and tools write them, plus the garbage that ends up in real files.
number = st.one_of(
    st.integers(-5, 60).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["1e9", "-0", "1e308", "nan", "inf", "-inf", "", " ", "x", "1,5", "0x10", "1_0", "\ufeff1"]),
)
mot_line = st.lists(number, min_size=0, max_size=12).map(",".join)
separator = st.sampled_from(["\n", "\r\n", "\r", "\n\n"])


def check_table(table, max_frame=None):
    assert table.rows.shape == (len(table.lines), 10)
    rows = table.rows
    assert np.isfinite(rows[:, :7]).all()
    assert (rows[:, 0] >= 1).all() and (rows[:, 0] == np.floor(rows[:, 0])).all()
    assert (rows[:, 4:6] >= 0).all()
    if max_frame is not None:
        assert (rows[:, 0] <= max_frame).all()


@SETTINGS
@given(data=st.binary(max_size=400))
def test_random_bytes_give_rows_or_tracker_error(tmp_path, data):
    p = tmp_path / "det.txt"
    p.write_bytes(data)
    try:
        check_table(read_table(p, max_frame=50), max_frame=50)
        read_detections(p)
    except TrackerError as exc:
        assert "\n" not in str(exc)


@SETTINGS
@given(lines=st.lists(mot_line, max_size=8), sep=separator, bom=st.booleans())
def test_random_mot_lines_give_rows_or_tracker_error(tmp_path, lines, sep, bom):
    seq = tmp_path / "S"
    (seq / "det").mkdir(parents=True, exist_ok=True)
    (seq / "seqinfo.ini").write_text(SEQINFO)
    (seq / "det" / "det.txt").write_bytes((("\ufeff" if bom else "") + sep.join(lines)).encode("utf-8", "surrogatepass"))
    try:
        s = read_sequence(seq)
    except TrackerError as exc:
        assert "\n" not in str(exc)
        return
    frames = list(s.frames())
    assert len(frames) == 50  # seqLength, never stretched by the detections
    for _, d in frames:
        assert np.isfinite(d.xyxy).all()


seqinfo_text = st.lists(
    st.tuples(st.sampled_from(["name", "frameRate", "seqLength", "imWidth", "imHeight", "imDir", "x"]), number),
    max_size=8,
).map(lambda kv: "[Sequence]\n" + "".join(f"{k}={v}\n" for k, v in kv))


@SETTINGS
@given(data=st.one_of(st.binary(max_size=300), seqinfo_text.map(str.encode)))
def test_random_seqinfo_gives_info_or_tracker_error(tmp_path, data):
    (tmp_path / "seqinfo.ini").write_bytes(data)
    try:
        info = read_seqinfo(tmp_path)
    except TrackerError as exc:
        assert "\n" not in str(exc)
        return
    assert info.length >= 1 and info.frame_rate > 0
