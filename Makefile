# The two commands a newcomer needs (see README):
#   make demo   runs the main job
#   make test   installs everything the tests need, lints, and runs the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
NPM_DIR := tests/npm

.PHONY: demo test setup setup-python setup-npm setup-browser lint pytest bench fuzz clean image-test

demo: setup-python
	$(BIN)/symphony-bot demo

# Each stage says when it starts and how long it took; a failing lint or pytest stage does not hide the stages
# after it (all run, then the summary, then make fails). Only a failed setup stops at once.
TEST_STAGES := setup lint pytest image-test
test:
	@failed=; begin=$$(date +%s); summary=; \
	for stage in $(TEST_STAGES); do \
	  start=$$(date +%s); echo "==> make $$stage"; \
	  if $(MAKE) --no-print-directory $$stage; then result=ok; else result=FAILED; failed="$$failed $$stage"; fi; \
	  line="$$stage: $$result in $$(( $$(date +%s) - start )) s"; echo "==> $$line"; summary="$$summary\n  $$line"; \
	  if [ $$stage = setup ] && [ -n "$$failed" ]; then break; fi; \
	done; \
	outcome="$${failed:+FAILED ($${failed# })}"; \
	printf "==> make test, stage by stage:$$summary\n==> make test: %s in %s s\n" \
	  "$${outcome:-ok}" "$$(( $$(date +%s) - begin ))"; \
	[ -z "$$failed" ]

setup: setup-python setup-npm setup-browser

setup-python: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is required (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Pinned npm packages the tests use: GitHub's OpenAPI description and GraphQL schema, recorded fixtures,
# webhook payloads, and the real agent CLIs, at the versions package-lock.json records. (`npm ci` refuses this
# lock: npm leaves other platforms' optional binaries of opencode out of it; `npm install --no-save` installs
# the locked versions and leaves the lock alone.)
setup-npm: $(NPM_DIR)/node_modules/.installed
$(NPM_DIR)/node_modules/.installed: $(NPM_DIR)/package.json $(NPM_DIR)/package-lock.json
	npm install --prefix $(NPM_DIR) --no-audit --no-fund --no-save --loglevel=error
	touch $@

# The site's browser tests drive Debian's chromium (browser downloads are not possible here); installed once,
# only when missing (as root, else through sudo).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
setup-browser:
	@if [ ! -x $(CHROMIUM) ]; then $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; fi

lint: setup-python
	$(BIN)/ruff check symphony_bot tests bench
	$(BIN)/ruff format --check symphony_bot tests bench
	$(BIN)/mypy
	$(BIN)/zizmor --offline --no-progress .github/workflows $(wildcard action.yml)
	$(BIN)/actionlint -no-color
	@if [ -f Dockerfile ]; then $(BIN)/hadolint --no-color Dockerfile; fi
	$(BIN)/check-jsonschema --check-metaschema schemas/*.schema.json

# In parallel (pytest-xdist, one worker per core; tests that share state carry an xdist_group), in a random
# order (pytest-randomly; the header prints the seed: PYTEST_ARGS="-p randomly --randomly-seed=N" repeats it).
PYTEST_ARGS ?=
pytest: setup
	$(BIN)/python -m pytest -q -n auto --dist loadgroup $(PYTEST_ARGS)

# The action's image built for real (podman from Debian's packages, FROM a local debootstrap base) and its
# entrypoint run inside it against the sandbox. Installs podman/debootstrap/runc when missing (needs root);
# fails, never skips, when podman cannot work. First run ~2 min (base ~60 s, image ~40 s), then seconds.
image-test: setup
	SYMPHONY_IMAGE_TEST=1 $(BIN)/python -m pytest -q -s tests/image

bench: setup
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

# The fuzz suites at scale: FUZZ_CASES generated registries and issue bodies for each of FUZZ_SEEDS seeds (the
# test run does 2,000 of each with one seed).
FUZZ_CASES ?= 50000
FUZZ_SEEDS ?= 3
fuzz: setup-python
	$(BIN)/python bench/fuzz.py $(FUZZ_CASES) $(FUZZ_SEEDS)

clean:
	rm -rf $(VENV) $(NPM_DIR)/node_modules
