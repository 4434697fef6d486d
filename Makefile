# hedging-landscape: the two commands a new user runs are `make reproduce` and `make test`.
SWIFT ?= swift
PYTHON ?= python3
SYSTEM_PACKAGES := libgsl-dev libplplot-dev plplot-driver-cairo
LANDSCAPE := .build/release/landscape

.PHONY: all deps build reproduce test bench clean

all: build

# Installs the Debian libraries when any is missing (sudo only when not root).
deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  echo "installing$$missing"; \
	  $$sudo apt-get update && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	fi

build: deps
	$(SWIFT) build -c release

# Renders every case in cases/ into figures/ and validates it.
reproduce: build
	$(LANDSCAPE) reproduce --cases cases --out figures
	$(LANDSCAPE) validate --cases cases

# Every test is XCTest; without Swift Testing's empty run the summary is the last line.
test: deps
	$(SWIFT) test --disable-swift-testing

# The SAE trainer's peer is PyTorch (CPU; PyPI's wheel, large): installed here when missing.
bench: build
	@$(PYTHON) -c 'import numpy' 2>/dev/null || $(PYTHON) -m pip install --quiet numpy
	@$(PYTHON) -c 'import torch' 2>/dev/null || $(PYTHON) -m pip install --quiet torch \
	  || $(PYTHON) -m pip install --quiet --break-system-packages torch
	$(PYTHON) bench/run.py --landscape $(LANDSCAPE)

clean:
	rm -rf .build
