# The two commands of the README: `make demo` and `make test`. Both run setup first.
PY := .venv/bin/python
SIMPROF := .venv/bin/simprof
EXAMPLE := examples/kws_dscnn_int8.tflite

.PHONY: setup demo test test-fast bench clean

setup:
	@bash scripts/setup.sh

demo: setup
	$(SIMPROF) platforms
	$(SIMPROF) estimate $(EXAMPLE) --platform stm32f4
	$(SIMPROF) measure $(EXAMPLE) --platform stm32f4

test: setup
	$(PY) -m pytest -q -ra tests
	.venv/bin/robot --outputdir build/robot --loglevel INFO tests/robot

test-fast: setup
	$(PY) -m pytest -q -ra tests/unit

clean:
	rm -rf build .pytest_cache
