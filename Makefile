# Two commands set everything up on a fresh Debian machine: `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# bubblewrap: the OS sandbox every tool runs in. chromium + chromium-driver: the report test renders
# the HTML report headless.
APT_PACKAGES := iverilog opensta qflow-tech-osu018 bubblewrap chromium chromium-driver
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint clean

setup: $(STAMP)
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

$(STAMP): pyproject.toml
	test -d $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: setup
	rm -rf runs/demo
	$(VENV)/bin/rtlbo run examples/quickstart.yaml --output runs/demo

test: setup
	$(VENV)/bin/pytest -q -n auto --dist loadfile

lint: setup
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) build *.egg-info
