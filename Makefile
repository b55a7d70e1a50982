# Named tasks; CI only calls `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install system-deps serve test check lint typecheck generate check-generated buf-lint bench bench-deps clean \
	tools clients-check dist differential differential-tools

$(STAMP): pyproject.toml clients/python/pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ./clients/python -e '.[dev,models,tracing]'
	touch $@

# Debian packages the tests need, installed only when missing: redis-server (shared rate limits),
# chromium (the /docs page is rendered and screenshotted in a test), Node.js and npm (the TypeScript
# client and checks in clients/ts).
DEBIAN_DEPS := redis-server:redis-server chromium:chromium node:nodejs npm:npm
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

# Code generators for the Go and Rust stubs, pinned, installed into .tools/bin (gitignored) by the
# registries' own clients; cargo's build cache stays outside the repository. Debug builds of the
# two Rust plugins: they compile in about half the time and only ever read a few small protos.
TOOLS := .tools/bin
PROTOC_GEN_GO := v1.36.12
PROTOC_GEN_GO_GRPC := v1.6.2
PROTOC_GEN_PROST := 0.5.0
PROTOC_GEN_TONIC := 0.5.0
# One stamp per pinned version, so that changing a pin reinstalls that plugin.
GEN_PLUGINS := $(TOOLS)/.protoc-gen-go@$(PROTOC_GEN_GO) $(TOOLS)/.protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC) \
	$(TOOLS)/.protoc-gen-prost@$(PROTOC_GEN_PROST)+protoc-gen-tonic@$(PROTOC_GEN_TONIC)
# Every folder generated code lands in, for the drift check.
GENERATED := server/cordwire/v1 server/cordwire/openai clients/go/gen clients/rust/src/gen clients/ts/gen

tools: $(GEN_PLUGINS)

# The TypeScript client's npm packages (its generator, compiler and the openai SDK it is checked
# against), pinned by clients/ts/package-lock.json; node_modules is gitignored.
TS_MODULES := clients/ts/node_modules/.installed-stamp

$(TS_MODULES): clients/ts/package-lock.json | system-deps
	cd clients/ts && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(TOOLS)/.protoc-gen-go@$(PROTOC_GEN_GO):
	GOBIN=$(abspath $(TOOLS)) go install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO)
	touch $@

$(TOOLS)/.protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC):
	GOBIN=$(abspath $(TOOLS)) go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC)
	touch $@

$(TOOLS)/.protoc-gen-prost@$(PROTOC_GEN_PROST)+protoc-gen-tonic@$(PROTOC_GEN_TONIC):
	CARGO_TARGET_DIR=$${XDG_CACHE_HOME:-$$HOME/.cache}/cordwire-tools-target cargo install -q -j 2 --debug --locked \
	  --force --root .tools protoc-gen-prost@$(PROTOC_GEN_PROST) protoc-gen-tonic@$(PROTOC_GEN_TONIC)
	touch $@

# Python through scripts/generate.py (grpcio-tools' bundled protoc), Go and Rust through buf.gen.yaml,
# TypeScript from the demo chute's OpenAPI document (the one /openapi.json serves) by openapi-typescript.
generate: $(STAMP) $(GEN_PLUGINS) $(TS_MODULES)
	$(PY) scripts/generate.py
	rm -rf clients/go/gen clients/rust/src/gen
	$(VENV)/bin/buf generate
	openapi=$$(mktemp --suffix=.json) && $(PY) scripts/openapi.py "$$openapi" && \
	  node clients/ts/scripts/generate.mjs "$$openapi" clients/ts/gen/openapi.ts; \
	  status=$$?; rm -f "$$openapi"; exit $$status

# Generated code must match the protos: regenerate and fail on any difference.
check-generated: generate
	@git diff --exit-code --stat -- $(GENERATED) || { echo "generated code drifted: run make generate and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- $(GENERATED))" || { echo "untracked generated files"; exit 1; }

buf-lint: $(STAMP)
	$(VENV)/bin/buf lint

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy -p cordwire -p cordwire.gateway -p cordwire_client

check: lint typecheck buf-lint check-generated

test: install check clients-check differential-tools
	CORDWIRE_DIFFERENTIAL=required $(PY) -m pytest

# grpc-gateway v2 for the transcoding conformance proto (tests/differential), built from the Go
# module proxy with the bench's pins into .cache/differential; the differential run compares every
# transcoding table request against it (its deliberate differences: tests/differential/differences.json).
differential-tools: install
	@command -v go >/dev/null || { echo "make test needs Go (1.22+) on PATH for the differential run"; exit 1; }
	$(PY) -m tests.differential.build

differential: differential-tools
	CORDWIRE_DIFFERENTIAL=required $(PY) -m pytest tests/differential -q

# The Go, Rust and TypeScript examples against a live `cordwire serve`, then the Python client's tests.
clients-check: install $(TS_MODULES)
	scripts/clients_check.sh

# What `make bench` needs beyond the venv: wrk (Debian) and Go (ghz and grpc-gateway are built from
# the Go module proxy into .cache/bench); FastAPI (the proxy peer), matplotlib (the chart) and py-spy
# (the profile) from pyproject's `bench` extra, installed only when missing.
bench-deps: install
	@command -v wrk >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq wrk >/dev/null; }
	@command -v go >/dev/null || { echo "make bench needs Go (1.22+) on PATH"; exit 1; }
	@$(PY) -c 'import fastapi, matplotlib' 2>/dev/null && test -x $(VENV)/bin/py-spy || \
	  $(PY) -m pip install -q -e ./clients/python -e '.[dev,models,tracing,bench]'

bench: install bench-deps
	$(PY) -m bench

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache

# Wheels of both distributions into dist/: `pip install --find-links dist 'cordwire[models]'` then
# installs the server with its client dependency (cordwire-client is not on PyPI).
dist: $(STAMP)
	rm -rf dist build clients/python/build
	$(PY) -m pip wheel -q --no-deps -w dist ./clients/python .
	rm -rf build clients/python/build
