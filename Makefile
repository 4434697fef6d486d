# hedging-landscape: the two commands a new user runs are `make reproduce` and `make test`.
SWIFT ?= swift
PYTHON ?= python3
SYSTEM_PACKAGES := libgsl-dev libplplot-dev plplot-driver-cairo
BROWSER_PACKAGES := chromium chromium-driver python3-selenium
# The study --slurm test starts a one-node Slurm cluster of its own (needs root; skipped otherwise).
SLURM_PACKAGES := slurmctld slurmd slurm-client munge
LANDSCAPE := .build/release/landscape

.PHONY: all deps test-deps build install reproduce test bench serve clean

all: build

# Installs the Debian packages in $(1) that are missing (sudo only when not root).
define install_missing
	@missing=""; for p in $(1); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  echo "installing$$missing"; \
	  $$sudo apt-get update && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	fi
endef

# The libraries the tool links.
deps:
	$(call install_missing,$(SYSTEM_PACKAGES))

# The tests also drive the page of `landscape serve` in headless Chromium, run a study on a
# one-node Slurm cluster, and read and write SAELens's files with Python's safetensors and
# numpy (PyPI, small): installed when missing.
test-deps:
	$(call install_missing,$(SYSTEM_PACKAGES) $(BROWSER_PACKAGES) $(SLURM_PACKAGES))
	@$(PYTHON) -c 'import numpy, safetensors' 2>/dev/null \
	  || $(PYTHON) -m pip install --quiet numpy safetensors \
	  || $(PYTHON) -m pip install --quiet --break-system-packages numpy safetensors

build: deps
	$(SWIFT) build -c release

# The binary alone is the whole tool (the page is embedded in it): PREFIX=/usr/local by default.
PREFIX ?= /usr/local
install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(LANDSCAPE) $(DESTDIR)$(PREFIX)/bin/landscape

# Renders every case in cases/ into figures/ and validates it.
reproduce: build
	$(LANDSCAPE) reproduce --cases cases --out figures
	$(LANDSCAPE) validate --cases cases

# Every test is XCTest; without Swift Testing's empty run the summary is the last line.
test: test-deps
	$(SWIFT) test --disable-swift-testing

# The live page: http://127.0.0.1:8000/ (Ctrl-C stops).
serve: build
	$(LANDSCAPE) serve

# The SAE trainer's peer is PyTorch (CPU; PyPI's wheel, large): installed here when missing.
bench: build
	@$(PYTHON) -c 'import numpy' 2>/dev/null || $(PYTHON) -m pip install --quiet numpy
	@$(PYTHON) -c 'import torch' 2>/dev/null || $(PYTHON) -m pip install --quiet torch \
	  || $(PYTHON) -m pip install --quiet --break-system-packages torch
	@$(PYTHON) -c 'import matplotlib' 2>/dev/null || $(PYTHON) -m pip install --quiet matplotlib \
	  || $(PYTHON) -m pip install --quiet --break-system-packages matplotlib
	$(PYTHON) bench/run.py --landscape $(LANDSCAPE)

clean:
	rm -rf .build

# This tool against SAELens itself (not part of `make bench` or `make test`): a venv in
# .build/saelens-venv with `pip install sae-lens` (PyPI, large), then bench/saelens_compare.py.
.PHONY: bench-saelens
bench-saelens: build
	$(PYTHON) bench/saelens_compare.py --landscape $(LANDSCAPE)
