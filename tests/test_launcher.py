"""The launcher trains only when its inputs changed, and finds running services."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from bot import launcher
from regiecoach.config import get_settings


def test_model_is_not_retrained_when_nothing_changed(tmp_path, monkeypatch):
    root = tmp_path
    (root / "data").mkdir()
    (root / "data" / "nlu.yml").write_text("nlu: []\n")
    (root / "domain.yml").write_text("version: '3.1'\n")
    config = root / "config.yml"
    config.write_text("language: nl\n")
    for entry in launcher.MODEL_CODE:
        name = entry if "." in entry else f"{entry}/linear_intent.py"
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("# v1\n")
    monkeypatch.setattr(launcher, "ROOT", root)
    trainings = []

    def fake_run(cmd, **kwargs):
        trainings.append(cmd)
        Path(cmd[cmd.index("--out") + 1], cmd[cmd.index("--fixed-model-name") + 1] + ".tar.gz").write_text("model")

        class Done:
            returncode = 0

        return Done()

    monkeypatch.setattr(launcher.subprocess, "run", fake_run)
    monkeypatch.setattr(launcher, "TRAIN_LOCK", tmp_path / "train.lock")
    first = launcher.ensure_model(config, quiet=True)
    again = launcher.ensure_model(config, quiet=True)
    assert first == again == root / "models" / "regiecoach.tar.gz"
    assert len(trainings) == 1
    (root / "data" / "nlu.yml").write_text("nlu: [changed]\n")
    launcher.ensure_model(config, quiet=True)
    assert len(trainings) == 2
    # The code of a trained component and the crisis lexicon count too.
    for name in ("rasa_addons/linear_intent.py", "content/crisis_lexicon.yml", "regiecoach/crisis.py"):
        (root / name).write_text("# v2\n")
        launcher.ensure_model(config, quiet=True)
    assert len(trainings) == 5
    launcher.ensure_model(config, quiet=True)
    assert len(trainings) == 5


def test_fingerprint_covers_every_in_repo_module_a_trained_component_imports():
    code = ("import sys, json, rasa_addons.linear_intent, rasa_addons.crisis_component;"
            "print(json.dumps([getattr(m, '__file__', None) for m in list(sys.modules.values())]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=launcher.ROOT, env=launcher.service_env({}),
                         capture_output=True, text=True, check=True).stdout
    loaded = {Path(f).resolve() for f in json.loads(out.splitlines()[-1]) if f}
    in_repo = {p for p in loaded if launcher.ROOT in p.parents and ".venv" not in p.parts and p.stat().st_size}
    covered = {p.resolve() for p in launcher.model_inputs(launcher.ROOT / "config.yml")}
    assert in_repo and in_repo <= covered, sorted(str(p) for p in in_repo - covered)


def test_ci_config_gets_its_own_model_file():
    assert launcher.model_path(Path("config.ci.yml")).name == "regiecoach-ci.tar.gz"
    assert launcher.model_path(Path("config.yml")).name == "regiecoach.tar.gz"


def test_no_running_services_without_a_token_file(tmp_path):
    settings = replace(get_settings(), data_dir=tmp_path, rasa_port=5999, actions_port=5998)
    assert launcher.running_services(settings) is None


def test_services_get_loopback_host_and_the_repo_on_the_path():
    env = launcher.service_env({"X": "1"})
    assert env["SANIC_HOST"] == "127.0.0.1"
    assert str(launcher.ROOT) in env["PYTHONPATH"] and env["X"] == "1"
