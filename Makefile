# nncodec — the two entry points are `make run` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
MODEL ?= testdata/lenet300.onnx
OUT ?= out

.PHONY: run test deps deps-python build release swift-test python-test clean

deps:
	@./scripts/install-deps.sh

deps-python:
	@./scripts/install-deps.sh --python

release: deps
	$(SWIFT) build -c release --product nncodec

build: deps
	$(SWIFT) build

# The main job on a bundled model: info, sizes, then encode and decode.
run: release
	@mkdir -p $(OUT)
	./scripts/run-main-job.sh .build/release/nncodec $(MODEL) $(OUT)

swift-test: build
	$(SWIFT) test

python-test: build deps-python
	NNCODEC=$(CURDIR)/.build/debug/nncodec .venv/bin/python -m pytest -q tests/python

# The whole suite: Swift tests, then the Python cross-checks (onnx.checker, onnxruntime).
test: swift-test python-test

clean:
	rm -rf .build $(OUT)
