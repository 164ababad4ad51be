# Titanium: the one entry point for people and CI. `make` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
SERVICES := auth_service user_service api_gateway webapp
INSTALLED := $(VENV)/.installed

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-z][a-z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-22s %s\n", $$1, $$2}'
	@printf "  %-22s %s\n" "$(firstword $(SERVICE_TESTS))" "One service's tests (also: $(wordlist 2,9,$(SERVICE_TESTS)))"

$(INSTALLED): requirements/dev.txt common/pyproject.toml $(addsuffix /pyproject.toml,$(SERVICES))
	@test -x $(BIN)/python || scripts/step.sh "Creating the virtualenv in $(VENV)" $(PYTHON) -m venv $(VENV)
	@scripts/step.sh "Installing the pinned requirements (a few minutes the first time)" \
		$(BIN)/pip install --disable-pip-version-check --require-hashes --no-deps -r requirements/dev.txt
	@scripts/step.sh "Installing Titanium's own packages (editable)" \
		$(BIN)/pip install --disable-pip-version-check --no-deps -e common $(addprefix -e ,$(SERVICES))
	@touch $@

# checkov and hadolint pin versions of their own, so they get a virtualenv of their own.
TOOLS_VENV := .venv-tools
TOOLS_INSTALLED := $(TOOLS_VENV)/.installed

$(TOOLS_INSTALLED): requirements/tools.txt
	@test -x $(TOOLS_VENV)/bin/python || $(PYTHON) -m venv $(TOOLS_VENV)
	@scripts/step.sh "Installing the delivery scanners (checkov, hadolint) in $(TOOLS_VENV)" \
		$(TOOLS_VENV)/bin/pip install --disable-pip-version-check --require-hashes --no-deps -r requirements/tools.txt
	@touch $@

.PHONY: install
install: $(INSTALLED) $(TOOLS_INSTALLED) ## Create the virtualenvs and install everything (idempotent)

.PHONY: run
run: $(INSTALLED) ## Set up (migrate, seed) and run the whole stack at http://127.0.0.1:8080
	@$(BIN)/python -m scripts.run_stack

.PHONY: test
test: $(INSTALLED) lint test-services test-system test-faults test-delivery test-attacks e2e test-images ## Run every test (unit, integration, system, faults, delivery, attacks, browser, images)

.PHONY: lint
lint: $(INSTALLED) ## Ruff lint and format check, import cycles, generated settings docs
	@echo "==> ruff, import cycles, settings docs"
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/python -m scripts.import_cycles
	@$(BIN)/python -m scripts.settings_docs --check

.PHONY: fmt
fmt: $(INSTALLED) ## Format and autofix with ruff
	@$(BIN)/ruff format .
	@$(BIN)/ruff check --fix .

# Targets use kebab-case (test-auth-service); folders and packages use snake_case.
SERVICE_TESTS := $(addprefix test-,$(subst _,-,$(SERVICES)))

.PHONY: test-services
test-services: test-common $(SERVICE_TESTS) ## Each service's own tests with coverage

.PHONY: test-common
test-common: $(INSTALLED) ## Tests of the shared library
	@echo "==> common"
	@cd common && ../$(BIN)/pytest -q --cov=titanium_common --cov-report=term-missing:skip-covered --cov-fail-under=85

.PHONY: $(SERVICE_TESTS)
$(SERVICE_TESTS): test-%: $(INSTALLED)
	@echo "==> $(subst -,_,$*)"
	@cd $(subst -,_,$*) && ../$(BIN)/pytest -q --cov=$(subst -,_,$*) \
		--cov-report=term-missing:skip-covered --cov-fail-under=85

.PHONY: test-system
test-system: $(INSTALLED) ## Cross-service tests against real processes behind the gateway
	@echo "==> system (whole stack through the gateway)"
	@$(BIN)/python -m pytest -q tests --ignore=tests/delivery --ignore=tests/images --ignore=tests/faults --ignore=tests/attacks

.PHONY: test-faults
test-faults: $(INSTALLED) ## Kill, stop and reload every server under load; no acknowledged write lost or doubled (report: var/faults/)
	@echo "==> faults (private PostgreSQL and Redis; report: var/faults/report.json)"
	@$(BIN)/python -m pytest -q tests/faults

.PHONY: test-attacks
test-attacks: $(INSTALLED) ## Attacks on the whole stack: schemathesis per service, forged tokens, redirects, smuggling, IDOR, odd input
	@echo "==> attacks (whole stack; docs/qa.md, Attack suites)"
	@$(BIN)/python -m pytest -q tests/attacks

.PHONY: e2e
e2e: $(INSTALLED) ## Browser suites (Playwright) on a fresh local stack, or on E2E_BASE_URL; report in e2e/report/
	@echo "==> e2e (browser suites; report: e2e/report/index.html, failure traces: e2e/report/artifacts/)"
	@$(BIN)/python -m pytest e2e

.PHONY: screenshots
screenshots: $(INSTALLED) ## Retake docs/screenshots/ (light and dark, desktop and phone) on a fresh local stack
	@echo "==> screenshots (docs/screenshots/)"
	@$(BIN)/python -m pytest -q e2e/screenshots.py

.PHONY: test-images
test-images: $(INSTALLED) ## Build the four images (podman), run the stack from them as the chart does, browser suites against it
	@echo "==> images (build, run as the chart runs them, browser suites; logs: var/image-stack/logs/)"
	@scripts/test-images.sh

.PHONY: test-delivery
test-delivery: $(INSTALLED) $(TOOLS_INSTALLED) ## Validate images, charts, GitOps, Terraform and workflows offline
	@echo "==> delivery (offline validation)"
	@$(BIN)/python -m pytest -q tests/delivery

.PHONY: lock
lock: $(INSTALLED) ## Re-pin requirements/*.txt from the .in files (hashes included)
	@scripts/lock-requirements.sh

.PHONY: bench
bench: $(INSTALLED) ## One table: pages and API reads (anonymous, signed in), a 95/5 mix, writes, 500 vs 100k articles (needs wrk; ~15 min)
	@$(BIN)/python -m benchmarks.bench

.PHONY: bench-cost
bench-cost: $(INSTALLED) ## CPU per request in each process (webapp, gateway, services, PostgreSQL, Redis)
	@$(BIN)/python -m benchmarks.cost

.PHONY: bench-gateway
bench-gateway: $(INSTALLED) ## Measure the gateway against a direct call (needs wrk)
	@$(BIN)/python -m benchmarks.gateway

.PHONY: bench-webapp
bench-webapp: $(INSTALLED) ## Load the home page, an article page and /api/articles (needs wrk)
	@$(BIN)/python -m benchmarks.webapp

.PHONY: soak
soak: $(INSTALLED) ## Mixed load for 10 minutes (SOAK_SECONDS): RSS of every process and p50/p99 per minute, in var/soak/
	@$(BIN)/python -m benchmarks.soak

.PHONY: clean
clean: ## Remove the virtualenv and local data (var/)
	rm -rf $(VENV) $(TOOLS_VENV) var .pytest_cache .ruff_cache

# ---- Delivery: images, e2e on kind, promotion, Terraform (scripts/ hold the logic) ----
IMAGE_SERVICES := $(subst _,-,$(SERVICES))

# Where push-image-<svc> records each pushed digest and release-* read them. e2e-kind reads it
# only when given (environment or `make e2e-kind DIGESTS=dist/digests`); otherwise it builds.
DIGESTS ?= dist/digests

.PHONY: $(addprefix image-,$(IMAGE_SERVICES))
$(addprefix image-,$(IMAGE_SERVICES)): image-%: ## Build one service image with buildx into the local engine (IMAGE_TAG names it)
	@scripts/build-image.sh $*

.PHONY: $(addprefix push-image-,$(IMAGE_SERVICES))
$(addprefix push-image-,$(IMAGE_SERVICES)): push-image-%: ## Push a built image to GHCR, record its digest in DIGESTS/<svc> (CI: after the scan)
	@DIGESTS="$(DIGESTS)" scripts/push-image.sh $*

.PHONY: e2e-kind
e2e-kind: $(INSTALLED) ## kind + Istio + the chart, NetworkPolicy proven, Playwright (DIGESTS: pushed images; needs docker, kind, helm)
	@scripts/e2e-kind.sh

.PHONY: release-staging
release-staging: $(INSTALLED) ## Pin staging (branch deploy/staging) to TESTED_SHA and the DIGESTS (CI only)
	@$(BIN)/python scripts/release.py staging --sha "$(TESTED_SHA)" --digests "$(DIGESTS)"

.PHONY: release-prod
release-prod: $(INSTALLED) ## Open the pull request that pins prod to TESTED_SHA and the DIGESTS (CI only)
	@$(BIN)/python scripts/release.py prod --sha "$(TESTED_SHA)" --digests "$(DIGESTS)"

.PHONY: delivery-tools
delivery-tools: ## Install promtool (apt) when missing; terraform comes from the runner
	@command -v promtool >/dev/null || { sudo apt-get update -qq && sudo apt-get install -y -qq prometheus >/dev/null; }

.PHONY: fault-tools
fault-tools: ## Install PostgreSQL and redis-server (apt) when missing; make test-faults runs its own
	@{ command -v redis-server && ls /usr/lib/postgresql/*/bin/initdb; } >/dev/null 2>&1 || \
		{ sudo apt-get update -qq && sudo apt-get install -y -qq postgresql redis-server >/dev/null; }

.PHONY: tf-validate
tf-validate: ## terraform fmt, init -backend=false and validate of every environment (needs the registry)
	@scripts/tf-validate.sh
