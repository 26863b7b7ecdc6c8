"""Fills a development database with two weeks of realistic, invented chat activity.

    python -m tools.demo_data [--days 14] [--seed 2026]

Uses `DATABASE_URL` (default the development SQLite file) and the store's own
repository functions, so the reports and the follow-up list look lived in. It
refuses, politely and without touching anything, when the database already has
activity. Every address is @example.com: nothing can ever reach a real person.
The demo agents are inactive accounts with random passwords: to look around,
create your own with `make agent`.
"""

from __future__ import annotations

import argparse
import random
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions.office_hours import BOGOTA, Schedule, is_open
from console.accounts import hash_password
from settings import SettingError, current, load_dotenv_or_exit
from store.activity import close_conversation, touch
from store.agents import agent_by_username, create_agent
from store.db import migrate, session_for
from store.followups import mark_answered, mark_done, open_follow_ups, record_follow_up
from store.handoffs import (
    close_handoff,
    end_open_handoff,
    expire_overdue,
    request_handoff,
    take_handoff,
)
from store.metrics import (
    CONVERSATION_STARTED,
    FALLBACK,
    FAQ_ANSWERED,
    PQRD_ESCALATION,
    SATISFACTION,
    record_event,
)
from store.models import ConversationEvent, Handoff
from store.moderation import record_moderation

AGENTS = (("demo.marta", "Marta Gómez"), ("demo.jorge", "Jorge Castillo"),
          ("demo.lucia", "Lucía Rincón"))
# Topics with how often citizens ask about them (relative weights).
TOPICS = {
    "faq/impuesto_predial": 26, "faq/sisben": 18, "faq/certificado_residencia": 12,
    "faq/industria_comercio": 9, "faq/licencia_construccion": 7, "faq/uso_suelo": 5,
    "faq/paz_salvo": 6, "faq/estratificacion": 4, "faq/nomenclatura": 3,
    "faq/ubicacion_contacto": 8, "faq/programas_sociales": 6, "faq/comisaria_familia": 3,
    "faq/inspeccion_policia": 3, "faq/empleo": 5, "faq/cupos_escolares": 4,
    "faq/afiliacion_salud": 4, "faq/estado_pqrd": 4,
}
UNCLEAR = (
    "¿dónde queda la casa de la cultura?", "horario de la piscina municipal",
    "quiero saber de las vacunas para mi perro", "cuando es el festival de la fresa",
    "se puede pagar con nequi", "necesito el certificado de tradición y libertad",
    "como saco el pase de conducción", "la ruta del bus a chía",
)
NAMES = ("Ana María Rodríguez", "Carlos Pérez", "Luz Marina Cárdenas", "Jorge Iván Díaz",
         "Sandra Milena Torres", "Héctor Suárez", "Paola Andrea Moreno", "Diego Fernando Ruiz",
         None, None)
QUESTIONS = (
    "Necesito saber cuánto debo de predial de un lote en la vereda Chincé.",
    "Mi encuesta del SISBÉN salió con un puntaje que no corresponde.",
    "¿Cómo hago para que me expidan el certificado de residencia para un trabajo?",
    "Quiero saber si mi construcción necesita licencia para una segunda planta.",
)


@dataclass
class Figures:
    """What was written, for the closing message."""

    conversations: int = 0
    handoffs: int = 0
    follow_ups: int = 0
    events: int = 0
    days: list[date] = field(default_factory=list)


def existing_activity(session: Session) -> int:
    """How many hand-offs and events the database already holds."""
    handoffs = session.scalar(select(func.count(Handoff.id))) or 0
    events = session.scalar(select(func.count(ConversationEvent.id))) or 0
    return int(handoffs) + int(events)


def demo_agents(session: Session, at: datetime) -> list[int]:
    """The demo agents' ids (inactive accounts with random passwords)."""
    ids = []
    for username, name in AGENTS:
        agent = agent_by_username(session, username)
        if agent is None:
            agent = create_agent(session, username, name,
                                 hash_password(secrets.token_urlsafe(24)), at)
            agent.active = False
            session.commit()
        ids.append(agent.id)
    return ids


def _moment(day: date, rng: random.Random) -> datetime:
    hour = rng.choices(range(6, 23), weights=[1, 3, 6, 8, 9, 8, 5, 6, 7, 7, 5, 4, 4, 3, 2, 2, 1])[0]
    return datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)), BOGOTA)


class DayWriter:
    """Writes the conversations of one day."""

    def __init__(self, session: Session, rng: random.Random, agents: list[int],
                 figures: Figures, now: datetime) -> None:
        self.session, self.rng, self.agents = session, rng, agents
        self.figures, self.now = figures, now
        self.schedule = Schedule()

    def event(self, conversation_id: str, kind: str, at: datetime, **extra) -> None:
        record_event(self.session, conversation_id, kind, at, **extra)
        self.figures.events += 1

    def conversation(self, conversation_id: str, start: datetime) -> None:
        rng = self.rng
        self.event(conversation_id, CONVERSATION_STARTED, start)
        touch(self.session, conversation_id, start)
        self.figures.conversations += 1
        at = start + timedelta(seconds=rng.randint(20, 90))
        path = rng.random()
        if path < 0.1:
            for _ in range(rng.choice((1, 1, 2))):
                self.event(conversation_id, FALLBACK, at, text=rng.choice(UNCLEAR))
                at += timedelta(seconds=rng.randint(20, 60))
        if path < 0.62:
            topic = rng.choices(list(TOPICS), weights=list(TOPICS.values()))[0]
            self.event(conversation_id, FAQ_ANSWERED, at, value=topic)
            at += timedelta(seconds=rng.randint(30, 120))
            if rng.random() < 0.75:
                answer = "yes" if rng.random() < 0.8 else "no"
                self.event(conversation_id, SATISFACTION, at, value=answer)
        elif path < 0.68:
            self.event(conversation_id, PQRD_ESCALATION, at)
        elif is_open(at, self.schedule):
            at = self.handoff(conversation_id, at)
        elif rng.random() < 0.4:  # no agents now: the citizen leaves an address (P15)
            name = rng.choice(NAMES)
            record_follow_up(self.session, conversation_id,
                             f"consulta{self.figures.conversations}@example.com", at,
                             rng.choice(QUESTIONS), name, at)
            self.figures.follow_ups += 1
        elif rng.random() < 0.5:
            self.event(conversation_id, PQRD_ESCALATION, at)
        self.ending(conversation_id, at + timedelta(seconds=rng.randint(30, 240)))

    def handoff(self, conversation_id: str, at: datetime) -> datetime:
        rng, session = self.rng, self.session
        name = rng.choice(NAMES)
        question = rng.choice(QUESTIONS)
        handoff = request_handoff(session, conversation_id, name, rng.choice(list(TOPICS)),
                                  [("citizen", question, at)], at)
        self.figures.handoffs += 1
        fate = rng.random()
        if fate < 0.15 or fate >= 0.85:
            if rng.random() < 0.6:
                record_follow_up(session, conversation_id,
                                 f"ciudadano{handoff.id}@example.com", at, question, name, at,
                                 handoff_id=handoff.id)
                self.figures.follow_ups += 1
        if fate < 0.15:
            expire_overdue(session, at + timedelta(seconds=1), at + timedelta(minutes=5))
            return at + timedelta(minutes=5)
        if fate >= 0.85:
            left = at + timedelta(seconds=rng.randint(30, 200))
            end_open_handoff(session, conversation_id, "abandoned", left)
            return left
        taken = at + timedelta(seconds=int(rng.lognormvariate(4.3, 0.7)))
        take_handoff(session, handoff.id, rng.choice(self.agents), taken)
        closed = taken + timedelta(minutes=rng.randint(3, 14))
        outcome = rng.choices(("resolved", "referred_pqrd", "follow_up", "unresolved"),
                              weights=(60, 15, 15, 10))[0]
        close_handoff(session, handoff.id, outcome, closed)
        if rng.random() < 0.75:
            self.event(conversation_id, SATISFACTION, closed + timedelta(seconds=40),
                       value="yes" if rng.random() < 0.85 else "no")
        return closed

    def ending(self, conversation_id: str, at: datetime) -> None:
        rng = self.rng
        ending = rng.random()
        if ending < 0.03:
            record_moderation(self.session, conversation_id, "offensive", "word:demo", "warned", at)
            record_moderation(self.session, conversation_id, "offensive", "word:demo", "ended",
                              at + timedelta(seconds=40))
            close_conversation(self.session, conversation_id, "conduct", at + timedelta(seconds=40))
        elif ending < 0.16:
            close_conversation(self.session, conversation_id, "inactivity",
                               at + timedelta(minutes=2))
        elif ending < 0.75:
            close_conversation(self.session, conversation_id, "farewell", at)
        if 0.75 <= ending < 0.78:
            record_moderation(self.session, conversation_id, "commercial", "word:demo", "warned",
                              at)

    def day(self, day: date) -> None:
        weekday = day.weekday() < 5
        count = self.rng.randint(18, 34) if weekday else self.rng.randint(5, 12)
        starts = sorted(_moment(day, self.rng) for _ in range(count))
        for index, start in enumerate(starts):
            if start > self.now - timedelta(minutes=30):
                break
            self.conversation(f"demo-{day:%Y%m%d}-{index:03d}", start)


def answer_old_follow_ups(session: Session, rng: random.Random, agents: list[int],
                          now: datetime) -> None:
    """Most follow-ups older than two days were answered; a few by phone."""
    for follow_up in open_follow_ups(session):
        if follow_up.created_at > now - timedelta(days=2) or rng.random() < 0.2:
            continue
        at = follow_up.created_at + timedelta(hours=rng.randint(2, 30))
        if rng.random() < 0.85:
            mark_answered(session, follow_up.id,
                          "Le informamos que su solicitud fue revisada por el área encargada.",
                          rng.choice(agents), at)
        else:
            mark_done(session, follow_up.id, "Se le respondió por teléfono.",
                      rng.choice(agents), at)


def fill(database_url: str, now: datetime, days: int = 14, seed: int = 2026) -> Figures | None:
    """Writes `days` days of activity ending `now`; None when the database has activity."""
    migrate(database_url)
    rng = random.Random(seed)
    figures = Figures()
    with session_for(database_url) as session:
        if existing_activity(session):
            return None
        agents = demo_agents(session, now - timedelta(days=days + 30))
        writer = DayWriter(session, rng, agents, figures, now)
        today = now.astimezone(BOGOTA).date()
        for offset in range(days - 1, -1, -1):
            day = today - timedelta(days=offset)
            writer.day(day)
            figures.days.append(day)
        answer_old_follow_ups(session, rng, agents, now)
    return figures


def main(argv: list[str] | None = None, clock: Callable[[], datetime] | None = None) -> int:
    """Command line; 0 also when it refuses (nothing to do is not an error)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=14, help="days of activity (default 14)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (same data again)")
    args = parser.parse_args(argv)
    if not 1 <= args.days <= 366:
        parser.error("--days must be between 1 and 366")
    try:
        values = current()
    except SettingError as error:
        print(f"Error de configuración: {error}", file=sys.stderr)
        return 2
    url = values.database_url
    clock = clock or values.clock
    figures = fill(url, clock(), args.days, args.seed)
    if figures is None:
        print("La base de datos ya tiene actividad registrada: no se agregaron datos de "
              "demostración. Para verlos, use una base nueva, por ejemplo "
              "DATABASE_URL=sqlite:///var/demo.db make demo-data.")
        return 0
    print(f"Datos de demostración: {figures.conversations} conversaciones, "
          f"{figures.handoffs} transferencias, {figures.follow_ups} seguimientos y "
          f"{figures.events} eventos entre el {figures.days[0]} y el {figures.days[-1]}.")
    print("Cree su cuenta con `make agent` y abra /console/reports para verlos.")
    return 0


if __name__ == "__main__":
    load_dotenv_or_exit()  # the .env at the root, as `make run` reads it
    sys.exit(main())
