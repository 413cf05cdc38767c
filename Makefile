# The two commands of the README's quick start. Each sets everything up (a virtualenv in
# .venv with apitwin and its test dependencies, re-installed when pyproject.toml changes).
PYTHON ?= python3.11
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: serve test lint typecheck bench system-deps

$(STAMP): pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test,dev]'
	@# the shipped specs' load records (specs/.apitwin-loaded, keyed by content): a first `apitwin serve` starts warm
	$(VENV)/bin/python -c "import mockserver; mockserver.create_app()"
	@touch $(STAMP)

## serve: serve the five APIs on http://127.0.0.1:4010
serve: $(STAMP)
	$(VENV)/bin/apitwin serve

# Debian packages the tests start for real: redis-server (stateful mode's Redis backend),
# chromium + chromium-driver (the dashboard's browser test). Installed when missing. Two runs
# at once (two clones on one machine) take turns: apt-get fails at once on a lock another
# holds, so our runs queue on APT_LOCK and wait up to 5 minutes for any other apt user.
SYSTEM_BINARIES := redis-server chromium chromedriver
APT_LOCK := /tmp/apitwin-apt.lock
system-deps:
	@missing=""; for b in $(SYSTEM_BINARIES); do command -v $$b >/dev/null || missing="$$missing $$b"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages for:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  flock $(APT_LOCK) $$SUDO env DEBIAN_FRONTEND=noninteractive sh -c \
	    'apt-get -o DPkg::Lock::Timeout=300 update -qq && apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
	     --no-install-recommends redis-server chromium chromium-driver >/dev/null'; \
	fi

## test: the whole test suite (what CI runs)
test: $(STAMP) system-deps
	$(VENV)/bin/python -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check mockserver contracts tests bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(VENV)/bin/python bench/serve_bench.py
