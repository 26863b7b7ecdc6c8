"""A citizen's tab on the web app's demo page with the widget, in Debian's chromium."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from dataclasses import dataclass, field

from playwright.sync_api import Browser, BrowserContext, Page, expect

REPLY_MS = 30_000


@dataclass
class Chat:
    """A citizen's browser tab on the demo page, and what went wrong in it."""

    page: Page
    context: BrowserContext
    rasa_url: str
    problems: list[str] = field(default_factory=list)

    @property
    def log(self):
        return self.page.get_by_role("log", name="Mensajes de la conversación")

    @property
    def input(self):
        return self.page.get_by_label("Escriba su mensaje")

    def open(self, web_url: str) -> None:
        self.page.goto(f"{web_url}/")
        self.page.get_by_role("button", name="Chat de la Alcaldía").click()

    def say(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def expect_message(self, text: str) -> None:
        expect(self.log.locator("li", has_text=text).first).to_be_visible(timeout=REPLY_MS)

    def messages(self) -> list[tuple[str, str]]:
        """(author, text) of every message shown, in order."""
        rows = self.log.locator("li").evaluate_all(
            "items => items.map(li => [li.className, li.querySelector('p').textContent])"
        )
        return [("citizen" if "tc-citizen" in cls else "bot", re.sub(
            r"^(Usted|Alcaldía de Tenjo): ", "", text)) for cls, text in rows]

    def session_id(self) -> str:
        return self.page.evaluate("JSON.parse(localStorage.getItem('tenjo-chat:session'))")

    def received_texts(self) -> list[str]:
        """What the tracker received from the citizen, in order (Rasa's HTTP API).

        The reply reaches the page a moment before Rasa saves the turn, so the tracker
        is read until two reads half a second apart agree.
        """
        url = f"{self.rasa_url}/conversations/{self.session_id()}/tracker?token=test-token"
        previous = None
        for _ in range(20):
            with urllib.request.urlopen(url, timeout=10) as response:
                events = json.loads(response.read())["events"]
            texts = [event["text"] for event in events if event["event"] == "user"]
            if texts == previous:
                break
            previous = texts
            time.sleep(0.5)
        return texts


def new_chat(browser: Browser, live, **context_options) -> Chat:
    context = browser.new_context(locale="es-CO", **context_options)
    page = context.new_page()
    chat = Chat(page, context, live.rasa_url)
    page.on("dialog", lambda dialog: (chat.problems.append(f"dialog: {dialog.message}"),
                                      dialog.dismiss()))
    page.on("pageerror", lambda error: chat.problems.append(f"page error: {error}"))
    return chat
