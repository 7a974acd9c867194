# Regiecoach. `make run` starts the bot; `make test` runs every test.
# Both set up what they need first (.venv from requirements.lock).

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

# The first Python 3.10 that really runs (a pyenv shim may exist but refuse).
PYTHON310 := $(shell for c in python3.10 $$HOME/.pyenv/versions/3.10.*/bin/python3.10 /usr/local/bin/python3.10 \
  /usr/bin/python3.10 python3; do \
  if $$c -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; then echo $$c; break; fi; done)

.PHONY: run chat test venv train train-ci lint typecheck validate pytest story-test nlu-eval practice-eval coach-eval fault-test bench bench-scale clean

$(VENV)/.installed: requirements.lock
	@if [ -z "$(PYTHON310)" ]; then \
	  echo "Python 3.10 is needed (Rasa 3.6 supports 3.8-3.10)."; \
	  echo "Install it, e.g. 'pyenv install 3.10.13' or 'apt-get install python3.10 python3.10-venv'."; \
	  exit 1; fi
	@test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==24.0
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip check
	@touch $@

venv: $(VENV)/.installed

run: venv
	$(PY) -m bot run

chat: venv
	$(PY) -m bot chat

train: venv
	$(PY) -m bot train --config config.yml

train-ci: venv
	$(PY) -m bot train --config config.ci.yml

lint: venv
	$(VENV)/bin/ruff check regiecoach bot actions rasa_addons scripts tests bench

typecheck: venv
	$(VENV)/bin/mypy regiecoach bot actions rasa_addons

validate: venv
	$(VENV)/bin/rasa data validate --fail-on-warnings

pytest: venv train-ci
	REGIECOACH_TEST_MODEL=models/regiecoach-ci.tar.gz $(VENV)/bin/pytest -q

story-test: venv train-ci
	scripts/story_test.sh models/regiecoach-ci.tar.gz

test: venv lint typecheck validate pytest story-test

nlu-eval: venv
	$(PY) scripts/nlu_eval.py

practice-eval: venv
	$(PY) scripts/practice_eval.py

# Scripted conversations through the CI model, read against MITI (a few minutes;
# not in `make test`). Ports: REGIECOACH_EVAL_RASA_PORT / _ACTIONS_PORT.
coach-eval: venv train-ci
	$(PY) scripts/coach_eval.py

# Random SIGKILLs of the bot, Rasa and the action server; the last line is the ledger.
fault-test: venv train-ci
	@rm -f results/tmp/fault-test.txt
	REGIECOACH_TEST_MODEL=models/regiecoach-ci.tar.gz $(VENV)/bin/pytest -q -s -m fault tests/fault; status=$$?; \
	  cat results/tmp/fault-test.txt 2>/dev/null || echo "The fault test did not reach its ledger; see above."; \
	  exit $$status

# The whole system on this machine (about 15 minutes): trains config.yml into a
# temp dir, then latency, memory, scheduler throughput and NLU scores.
# Writes bench/results/latest.json and latest.md.
bench: venv
	$(PY) bench/run_bench.py

# Rasa with 2 workers and a Redis lock store against 1 worker (needs redis-server).
bench-scale: venv
	$(PY) bench/scale.py

clean:
	rm -rf models var results/tmp
