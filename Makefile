# Named tasks; CI only calls `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install system-deps serve test check lint typecheck generate check-generated buf-lint bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,models]'
	touch $@

# Debian packages the tests need, installed only when missing: redis-server (shared rate limits),
# chromium (the /docs page is rendered and screenshotted in a test).
DEBIAN_DEPS := redis-server:redis-server chromium:chromium
system-deps:
	@missing=""; for dep in $(DEBIAN_DEPS); do command -v $${dep%%:*} >/dev/null || missing="$$missing $${dep##*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  echo "installing Debian packages:$$missing"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

install: $(STAMP) system-deps

serve: install
	$(VENV)/bin/cordwire serve

generate: $(STAMP)
	$(PY) scripts/generate.py

# Generated code must match the protos: regenerate and fail on any difference.
check-generated: generate
	@git diff --exit-code --stat -- cordwire/v1 cordwire/openai || { echo "generated code drifted: run make generate and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- cordwire/v1 cordwire/openai)" || { echo "untracked generated files"; exit 1; }

buf-lint: $(STAMP)
	$(VENV)/bin/buf lint

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy -p cordwire

check: lint typecheck buf-lint check-generated

test: install check
	$(PY) -m pytest

bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
