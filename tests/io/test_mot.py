import numpy as np
import pytest

from tracker.errors import TrackerError
from tracker.io.mot import read_detections, read_seqinfo, read_sequence, write_rows

SEQINFO = "[Sequence]\nname=SEQ\nimDir=img1\nframeRate=25\nseqLength=4\nimWidth=640\nimHeight=480\nimExt=.jpg\n"


def make_seq(tmp_path, det_lines, seqinfo=SEQINFO):
    seq = tmp_path / "SEQ"
    (seq / "det").mkdir(parents=True)
    if seqinfo is not None:
        (seq / "seqinfo.ini").write_text(seqinfo)
    if det_lines is not None:
        (seq / "det" / "det.txt").write_text("".join(l + "\n" for l in det_lines))
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
    ],
)
def test_malformed_lines_name_file_and_line(tmp_path, line, message):
    seq = make_seq(tmp_path, ["1,-1,10,20,30,40,0.9,-1,-1,-1", line])
    with pytest.raises(TrackerError, match=message) as info:
        read_sequence(seq)
    assert "det.txt:2:" in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_files_are_clear(tmp_path):
    with pytest.raises(TrackerError, match="missing seqinfo.ini"):
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
