# One-line entry points (README): `make demo` sets up and tracks the bundled sample video;
# `make test` sets up and runs the test suite. Both work offline on a fresh machine with Python >= 3.10.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out

.PHONY: setup demo test bench clean

$(BIN)/tracker: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	# TrackEval declares the GUI OpenCV wheel, which clashes with the headless one; it needs only numpy/scipy.
	$(BIN)/pip install --quiet --no-deps 'trackeval>=1.3,<2'
	touch $(BIN)/tracker

setup: $(BIN)/tracker

demo: setup
	mkdir -p $(OUT)
	$(BIN)/tracker track sample_videos/sample.mp4 --out $(OUT)/sample_tracked.mp4 \
		--mot-out $(OUT)/sample_tracked.txt --json-out $(OUT)/sample_tracked.jsonl

test: setup
	$(BIN)/python -m pytest -q

# The peers' pins clash with ours and each other: track_mot.py makes their own venvs under .venv-peers/.
bench: setup
	$(BIN)/python benchmarks/track_mot.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(OUT)
