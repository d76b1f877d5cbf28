import numpy as np
import pytest

from tracker.errors import TrackerError
from tracker.io.mot import read_detections, read_seqinfo, read_sequence, write_rows

SEQINFO = "[Sequence]\nname=SEQ\nimDir=img1\nframeRate=25\nseqLength=4\nimWidth=640\nimHeight=480\nimExt=.jpg\n"


def make_seq(tmp_path, det_lines, seqinfo=SEQINFO, bom=False):
    seq = tmp_path / "SEQ"
    (seq / "det").mkdir(parents=True)
    if seqinfo is not None:
        (seq / "seqinfo.ini").write_text(seqinfo)
    if det_lines is not None:
        text = "".join(l + "\n" for l in det_lines)
        (seq / "det" / "det.txt").write_text(text, encoding="utf-8-sig" if bom else "utf-8")
    return seq


def test_reads_detections_as_xyxy(tmp_path):
    seq = make_seq(tmp_path, ["1,-1,10,20,30,40,0.9,-1,-1,-1", "1,-1,0,0,5,5,0.5,-1,-1,-1", "3,-1,1,2,3,4,0.7,-1,-1,-1"])
    s = read_sequence(seq)
    assert s.info.length == 4 and s.info.width == 640 and s.info.frame_rate == 25
    frames = dict(s.frames())
    np.testing.assert_allclose(frames[1].xyxy, [[10, 20, 40, 60], [0, 0, 5, 5]])
    np.testing.assert_allclose(frames[1].score, [0.9, 0.5])
    assert len(frames[2]) == 0 and len(frames[4]) == 0
    np.testing.assert_allclose(frames[3].xyxy, [[1, 2, 4, 6]])


@pytest.mark.parametrize(
    "line, message",
    [
        ("1,-1,10,20,30", "expected at least 7"),
        ("1,-1,ten,20,30,40,0.9", "non-numeric"),
        ("1,-1,nan,20,30,40,0.9", "NaN or infinite"),
        ("1,-1,10,20,inf,40,0.9", "NaN or infinite"),
        ("1,-1,10,20,-30,40,0.9", "negative box size"),
        ("0,-1,10,20,30,40,0.9", "positive integer"),
        ("1.5,-1,10,20,30,40,0.9", "positive integer"),
        ("1,-1,1e308,20,1e308,40,0.9", "box too large"),
        ("5,-1,10,20,30,40,0.9", "frame 5 is past the sequence length 4"),
        ("1e9,-1,10,20,30,40,0.9", "frame 1000000000 is past the sequence length 4"),
    ],
)
def test_malformed_lines_name_file_and_line(tmp_path, line, message):
    seq = make_seq(tmp_path, ["1,-1,10,20,30,40,0.9,-1,-1,-1", line])
    with pytest.raises(TrackerError, match=message) as info:
        read_sequence(seq)
    assert "det.txt:2:" in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_files_are_clear(tmp_path):
    with pytest.raises(TrackerError, match="seqinfo.ini is missing"):
        read_sequence(make_seq(tmp_path, ["1,-1,1,1,1,1,1"], seqinfo=None))
    with pytest.raises(TrackerError, match="missing detection file"):
        read_sequence(make_seq(tmp_path / "b", None))
    with pytest.raises(TrackerError, match="malformed seqinfo"):
        read_seqinfo(make_seq(tmp_path / "c", [], seqinfo="[Sequence]\nname=x\n"))


def test_empty_detection_file_gives_empty_frames(tmp_path):
    s = read_sequence(make_seq(tmp_path, []))
    assert [len(d) for _, d in s.frames()] == [0, 0, 0, 0]


def test_write_rows_round_trip(tmp_path):
    p = tmp_path / "res.txt"
    with open(p, "w") as fh:
        write_rows(fh, 7, [3, 4], np.array([[10, 20, 40, 60], [0, 0, 5, 5]]), [0.9, 0.5])
    lines = p.read_text().splitlines()
    assert lines[0] == "7,3,10.00,20.00,30.00,40.00,0.9000,-1,-1,-1"
    d = read_detections(p)
    np.testing.assert_allclose(d[7].xyxy, [[10, 20, 40, 60], [0, 0, 5, 5]])


def test_bom_is_accepted(tmp_path):
    seq = make_seq(tmp_path, ["1,-1,10,20,30,40,0.9,-1,-1,-1", "2,-1,0,0,5,5,0.5,-1,-1,-1"], bom=True)
    frames = dict(read_sequence(seq).frames())
    np.testing.assert_allclose(frames[1].xyxy, [[10, 20, 40, 60]])
    assert len(frames[2]) == 1


def test_length_is_seqinfo_not_the_last_detection(tmp_path):
    s = read_sequence(make_seq(tmp_path, ["2,-1,10,20,30,40,0.9,-1,-1,-1"]))
    assert s.info.length == 4 and len(list(s.frames())) == 4


@pytest.mark.parametrize(
    "body, message",
    [
        ("seqLength=0\nimWidth=640\nimHeight=480", "must be positive"),
        ("seqLength=4\nimWidth=-1\nimHeight=480", "must be positive"),
        ("seqLength=1e9\nimWidth=640\nimHeight=480", "malformed seqinfo"),
        ("seqLength=4\nimWidth=640\nimHeight=480\nframeRate=nan", "frameRate"),
        ("seqLength=4\nimWidth=640\nimHeight=480\nframeRate=0", "frameRate"),
    ],
)
def test_bad_seqinfo_values(tmp_path, body, message):
    seq = make_seq(tmp_path, [], seqinfo="[Sequence]\n" + body + "\n")
    with pytest.raises(TrackerError, match=message) as info:
        read_seqinfo(seq)
    assert "\n" not in str(info.value)


def test_seqinfo_with_bom(tmp_path):
    seq = make_seq(tmp_path, [], seqinfo=None)
    (seq / "seqinfo.ini").write_text(SEQINFO, encoding="utf-8-sig")
    assert read_seqinfo(seq).length == 4


def test_class_column_only_when_it_is_a_class_id(tmp_path):
    p = tmp_path / "det.txt"
    p.write_text("1,-1,0,0,5,5,0.9,3,-1,-1\n1,-1,0,0,5,5,0.9,-1,-1,-1\n1,-1,0,0,5,5,0.9,18.7,-1,-1\n1,-1,0,0,5,5,0.9,1e300,-1,-1\n")
    assert read_detections(p)[1].class_id.tolist() == [3, 0, 0, 0]


@pytest.mark.parametrize(
    "lines",
    [
        ["1,-1,10,20,30,40,0.9,-1,-1,-1", "2,-1,1,2,3,4,0.5,-1,-1,-1"],  # the common layout: fast path
        ["1, -1, 10, 20, 30, 40, 0.9", "", "3,-1,1,2,3,4,0.5"],  # spaces, a blank line, 7 columns
        ["1,-1,10,20,30,40,0.9,-1,-1,-1", "2,-1,1,2,3,4,0.5,-1,-1"],  # mixed widths: line by line
        ["1 -1 10 20 30 40 0.9 -1 -1 -1", "2 -1 1 2 3 4 0.5 -1 -1 -1"],  # whitespace-separated
        ["1,-1,10,20,30,40,0.9,-1,-1,-1,7,8"],  # extra columns
    ],
)
def test_fast_and_line_parsers_agree(tmp_path, lines):
    from tracker.io import mot

    text = "\n".join(lines) + "\n"
    path = tmp_path / "det.txt"
    path.write_text(text)
    slow = mot._read_table_lines(path, text, 7, None)
    got = mot.read_table(path)
    assert np.array_equal(got.rows, slow.rows) and np.array_equal(got.lines, slow.lines) and got.columns == slow.columns


@pytest.mark.parametrize(
    "line, message",
    [("1,-1,10,20,-3,40,0.9,-1,-1,-1", "negative box size"), ("0,-1,10,20,3,40,0.9,-1,-1,-1", "positive integer"),
     ("9,-1,10,20,3,40,0.9,-1,-1,-1", "past the sequence length"), ("1,-1,nan,20,3,40,0.9,-1,-1,-1", "NaN")],
)
def test_fast_path_never_hides_an_error(tmp_path, line, message):
    good = "2,-1,1,2,3,4,0.5,-1,-1,-1"
    with pytest.raises(TrackerError, match=rf"det.txt:3: .*{message}"):
        read_sequence(make_seq(tmp_path, [good, good, line, good]))


def test_write_rows_exact_text():
    import io

    buf = io.StringIO()
    write_rows(buf, 7, np.array([3, 12]), np.array([[1.0, 2.0, 11.5, 22.25], [0, 0, 1, 1]]), [0.91234, 0])
    write_rows(buf, 8, [], np.zeros((0, 4)), [])
    assert buf.getvalue() == "7,3,1.00,2.00,10.50,20.25,0.9123,-1,-1,-1\n7,12,0.00,0.00,1.00,1.00,0.0000,-1,-1,-1\n"
