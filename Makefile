# Renling — two commands: `make up` runs the platform, `make test` checks it.
# Everything installs itself: uv (pinned) into .tools/, then the locked dependencies into .venv/.

UV_VERSION := 0.13.8
PYTHON ?= python3
UV := .tools/bin/uv
VENV := .venv
CONSOLE := gateway/console
PEERS := bench/peers
PY := $(VENV)/bin/python

.PHONY: up test check lint typecheck pytest token install native browser fonts bench bench-tools clean

up: install ## run every service in one process, data kept in .renling/ (FRESH=1 starts afresh with the demo)
	$(PY) -m services up $(if $(filter 1 yes true,$(FRESH)),--fresh)

test: install browser fonts check pytest ## lint, type-check and run the whole test suite

check: lint typecheck ## ruff and mypy

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy

pytest: install browser fonts ## the suite in two workers (a module stays on one), then the broker-fault tests alone (they restart RabbitMQ)
	$(PY) -m pytest -n 2 --dist loadfile --ignore=tests/test_faults.py
	$(PY) -m pytest tests/test_faults.py

browser: ## headless Chromium for the console test (Debian's package)
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

fonts: ## the Chinese font of the volunteer certificates (Debian's fonts-noto-cjk)
	@test -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk)

bench: install bench-tools ## every benchmark (the public gateway workload and our services vs Hive/Apollo, events, district scale); see docs/benchmarks.md
	$(PY) -m bench

bench-tools: $(PEERS)/node_modules/.installed ## wrk (Debian), the peer gateways (npm, locked), RabbitMQ running
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	@bash deploy/ensure-rabbitmq.sh

$(PEERS)/node_modules/.installed: $(PEERS)/package-lock.json
	cd $(PEERS) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

token: install ## make token ROLE=org_leader (the demo's person of that role), or ROLE=resident COMMUNITY=… ORGANIZATION=…
	@$(PY) -m services token --role $(ROLE) $(if $(COMMUNITY),--community $(COMMUNITY)) $(if $(DISTRICT),--district $(DISTRICT)) $(if $(ORGANIZATION),--organization $(ORGANIZATION))

install: $(VENV)/.installed $(CONSOLE)/node_modules/.installed native

native: $(VENV)/.installed ## the gateway's shaping loop compiled with mypyc (seconds; rebuilt only when gateway/shaping_run.py changed)
	$(PY) -m gateway.shaping_native

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --python $(PYTHON)
	touch $@

$(CONSOLE)/node_modules/.installed: $(CONSOLE)/package-lock.json
	cd $(CONSOLE) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf .tools $(VENV) .mypy_cache .ruff_cache .pytest_cache $(CONSOLE)/node_modules $(PEERS)/node_modules gateway/_shaping_native*.so
