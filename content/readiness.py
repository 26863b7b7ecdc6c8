"""The go-live checklist (issue 18): what still keeps the assistant from facing citizens.

`checklist()` gathers, in the editors' Spanish:
- every pending fact of the sheet, with the FAQ topics whose answers are weakened by it
  (their first alternative cannot be said);
- the links the bot gives (PQRD form, survey, data policy) that cannot be reached, or
  whose reachability could not be checked (the protocol's links are from 2020);
- settings still at development values (secrets, TENJO_ENV, e-mail to files).

An item that `blocks` keeps `make readiness` from exiting with 0. Shared by
`tools/readiness.py` and the console's page; nothing here imports Rasa.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from content.answers import weakened_by
from content.facts import Fact, FactSheetError, load_fact_sheet
from settings import production_problems
from settings.defaults import DEFAULT_PQRD_URL, DEFAULT_SURVEY_URL

FAQ_PREFIX = "utter_faq/"
REACHABLE, UNREACHABLE, UNKNOWN = "reachable", "unreachable", "unknown"
Probe = Callable[[str], str]


@dataclass(frozen=True)
class Item:
    """One entry of the checklist."""

    area: str  # "Ficha de hechos", "Hechos pendientes", "Enlaces", "Configuración"
    subject: str  # the fact key, the variable or the link's name
    problem: str  # what is missing, in plain Spanish
    blocks: bool
    topics: tuple[str, ...] = ()  # FAQ topics weakened, for pending facts


def faq_answers(domain_path: Path) -> dict[str, str]:
    """The text of each FAQ answer of the domain, by topic (`faq/<topic>`)."""
    document = yaml.safe_load(Path(domain_path).read_text(encoding="utf-8")) or {}
    answers = {}
    for name, variations in (document.get("responses") or {}).items():
        if str(name).startswith(FAQ_PREFIX) and variations and "text" in variations[0]:
            answers[str(name)[len("utter_"):]] = str(variations[0]["text"])
    return answers


def fact_items(facts: Mapping[str, Fact], answers: Mapping[str, str]) -> list[Item]:
    """Each pending fact; it blocks going live when an answer is weakened by it."""
    weakened = {topic: weakened_by(text, facts) for topic, text in answers.items()}
    items = []
    for fact in sorted(facts.values(), key=lambda f: (f.scope, f.key)):
        if fact.sayable:
            continue
        topics = tuple(sorted(topic for topic, keys in weakened.items() if fact.key in keys))
        where = "dato de Tenjo" if fact.scope == "tenjo" else "dato nacional"
        what = fact.description.split(". ")[0].rstrip(".")  # its first sentence
        items.append(Item("Hechos pendientes", fact.key,
                          f"{what} ({where}): falta confirmarlo con su fuente.",
                          blocks=bool(topics), topics=topics))
    return items


def probe_url(url: str, timeout: float = 5.0) -> str:
    """REACHABLE when the link answers below 400, UNREACHABLE when it answers with an
    error, UNKNOWN when it could not be asked (no network, timeout)."""
    import requests

    try:
        response = requests.get(url, timeout=timeout, allow_redirects=True, stream=True)
        response.close()
    except requests.RequestException:
        return UNKNOWN
    return REACHABLE if response.status_code < 400 else UNREACHABLE


def link_items(links: Mapping[str, str], probe: Probe) -> list[Item]:
    """Each link that is missing, unreachable or could not be checked."""
    names = [name for name, url in links.items() if url]
    with ThreadPoolExecutor(max_workers=max(len(names), 1)) as pool:
        verdicts = dict(zip(names, pool.map(lambda name: probe(links[name]), names), strict=True))
    items = []
    for name, url in links.items():
        if not url:
            items.append(Item("Enlaces", name, "No está configurado.", blocks=True))
        elif verdicts[name] == UNREACHABLE:
            items.append(Item("Enlaces", name, f"{url} responde con un error.", blocks=True))
        elif verdicts[name] == UNKNOWN:
            items.append(Item("Enlaces", name,
                              f"No se pudo comprobar que {url} esté en línea: "
                              "ábralo desde la red de la Alcaldía y confírmelo.", blocks=True))
    return items


def settings_items(env: Mapping[str, str]) -> list[Item]:
    """Settings still at development values."""
    items = []
    if (env.get("TENJO_ENV") or "development").strip().lower() != "production":
        items.append(Item("Configuración", "TENJO_ENV",
                          "No es production: se aceptan los secretos de desarrollo.",
                          blocks=True))
    production_env = {**env, "TENJO_ENV": "production"}
    for problem in production_problems(production_env):
        variable = problem.split()[0]
        items.append(Item("Configuración", variable, _in_spanish(problem), blocks=True))
    if not (env.get("SMTP_HOST") or "").strip():
        items.append(Item("Configuración", "SMTP_HOST",
                          "Sin servidor de correo: las respuestas de seguimiento quedan en "
                          "archivos y no llegan a los ciudadanos.", blocks=True))
    database = (env.get("DATABASE_URL") or "").strip()
    if not database or database.startswith("sqlite"):
        items.append(Item("Configuración", "DATABASE_URL",
                          "SQLite sirve en un portátil; para el piloto se recomienda "
                          "PostgreSQL.", blocks=False))
    if (env.get("CHAT_ALLOWED_ORIGINS") or "*").strip() == "*":
        items.append(Item("Configuración", "CHAT_ALLOWED_ORIGINS",
                          "Cualquier sitio puede incrustar el chat; se recomienda limitarlo al "
                          "sitio de la Alcaldía.", blocks=False))
    return items


def _in_spanish(problem: str) -> str:
    """production_problems' English line, said for editors."""
    if problem.endswith("is not set"):
        return "No está configurado."
    if "development default" in problem:
        return "Tiene el valor de desarrollo."
    if "shorter than" in problem:
        return "Es demasiado corto para ser un secreto."
    if problem.startswith("CONSOLE_SECURE_COOKIES"):
        return "Debe ser true: en producción la consola se sirve por HTTPS."
    return problem


def checklist(
    facts_path: Path,
    domain_path: Path,
    env: Mapping[str, str] | None = None,
    probe: Probe = probe_url,
) -> list[Item]:
    """The whole checklist for this installation (env: this process's by default)."""
    env = os.environ if env is None else env
    items: list[Item] = []
    try:
        facts = load_fact_sheet(facts_path)
    except FactSheetError as error:
        items.append(Item("Ficha de hechos", str(facts_path), str(error), blocks=True))
        facts = {}
    items += fact_items(facts, faq_answers(domain_path))
    links = {
        "PQRD_URL": (env.get("PQRD_URL") or "").strip() or DEFAULT_PQRD_URL,
        "SURVEY_URL": (env.get("SURVEY_URL") or "").strip() or DEFAULT_SURVEY_URL,
        "DATA_POLICY_URL": (env.get("DATA_POLICY_URL") or "").strip(),
    }
    items += link_items(links, probe)
    items += settings_items(env)
    return items


def summary(items: list[Item]) -> dict[str, Any]:
    """Counts for the page's heading."""
    return {"blocking": sum(item.blocks for item in items),
            "advice": sum(not item.blocks for item in items)}
