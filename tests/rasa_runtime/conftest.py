"""Fixtures of the rasa_runtime tests: the domain and the rules, trained without the model."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml
from rasa.core.policies.rule_policy import RulePolicy
from rasa.core.training import load_data
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain

from tools.stack import ROOT


@pytest.fixture(scope="session")
def domain() -> Domain:
    """This project's domain."""
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(scope="session")
def rule_policy(domain) -> RulePolicy:
    """Rasa's RulePolicy, configured as in config.yml and trained on data/rules (a few
    seconds): the rules the server matches."""
    configured = next(policy for policy in yaml.safe_load((ROOT / "config.yml").read_text())[
        "policies"] if policy["name"] == "RulePolicy")
    config = {**RulePolicy.get_default_config(),
              **{key: value for key, value in configured.items() if key != "name"}}
    with tempfile.TemporaryDirectory() as folder:
        policy = RulePolicy.create(config, LocalModelStorage(Path(folder)), Resource("rules"),
                                   ExecutionContext(graph_schema=None, model_id="test"))
        policy.train(load_data(str(ROOT / "data" / "rules"), domain, augmentation_factor=0),
                     domain)
    return policy
