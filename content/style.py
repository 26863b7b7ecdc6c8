"""The writing-style rules of bot messages (protocol 3.1, P7), shared by
`tools/style_lint.py` (`make check`) and the console's content editor.

`lint_text` checks one text and returns ``(rule, message)`` pairs, the messages
`make check` prints; `lint_findings` returns the same problems with a Spanish
explanation for editors too. `lint_domain` checks every response of a domain file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from ruamel.yaml import YAML

from content.answers import iter_texts

MANDATED_SCRIPTS = frozenset(
    {
        "utter_farewell",
        "utter_escalate_pqrd",
        "utter_conduct_warning",
        "utter_ask_detail",
        "utter_please_wait",
        "utter_ask_still_online",
    }
)

MAX_SENTENCE_WORDS = 35
MAX_BLOCK_CHARS = 400
MAX_BLOCK_SENTENCES = 5
# A turn sends at most MAX_TURN_MESSAGES messages (R3; `MAX_MESSAGES` of
# tools/dialogue_matrix.py). An FAQ answer is sent one message per block
# (actions/answers.py) and is followed by "¿Es satisfactoria la respuesta?" (P11),
# so it may have one block less.
MAX_TURN_MESSAGES = 4
MAX_FAQ_BLOCKS = MAX_TURN_MESSAGES - 1
FAQ_PREFIX = "utter_faq/"

ALLOWED_ACRONYMS = frozenset(
    {
        "PQRD", "PQRSD", "SISBÉN", "SISBEN", "CISAT", "ICA", "RIT", "NIT", "RUT", "DIAN",
        "EPS", "IPS", "SIMAT", "ADRES", "SENA", "ICBF", "IGAC", "POT", "EOT", "URL", "PDF",
        "SMS", "CO",
        # Registries and authorities the FAQ answers name (issue 18).
        "RUNT", "SIMIT", "CAR", "RUV", "SOAT", "DMI", "PSE",
    }
)  # fmt: skip

# Informal second person (tuteo). Accents are optional in the text ("tu" = "tú"),
# except where the unaccented word is ordinary formal Spanish ("estas" = these).
TUTEO_WORDS = (
    "tú", "tu", "tus", "ti", "te", "contigo", "tuyo", "tuya", "tuyos", "tuyas", "vos",
    "puedes", "quieres", "tienes", "necesitas", "debes", "eres", "estás", "sabes", "deseas",
    "buscas", "haces", "vas", "dices", "llamas", "ingresas", "escribes", "quieras", "puedas",
    "tengas",
    # infinitive + "te": unambiguous in a chat with citizens
    "ayudarte", "atenderte", "orientarte", "contactarte", "informarte", "comunicarte",
    "escribirte", "enviarte", "llamarte", "indicarte", "recordarte", "invitarte",
    "ofrecerte", "responderte",
)  # fmt: skip
ACCENT_REQUIRED = frozenset({"estás"})

# Hedges are notes for the municipality, never for a citizen: a local fact that is
# not confirmed is left out, and the answer points to the right channel instead.
# Accents are optional; one problem per sentence, the first pattern that matches.
HEDGE_PATTERNS = (
    # "aún no está confirmada", "tampoco están confirmados", "no se ha confirmado"
    r"\b(?:no|tampoco)\s+(?:est[aá]n?|se\s+han?|han?\s+sido)\s+(?:a[uú]n\s+|todav[ií]a\s+)?"
    r"(?:confirmad|verificad|validad)[oa]s?\b",
    # "aún no está disponible", "todavía no están definidos"
    r"\b(?:a[uú]n|todav[ií]a)\s+no\s+est[aá]n?\s+(?:disponibles?|definid[oa]s?|publicad[oa]s?)\b",
    # "está por confirmar", "un dato sin confirmar", "pendiente de confirmación"
    r"\b(?:est[aá]n?|quedan?|siguen?)\s+(?:a[uú]n\s+|todav[ií]a\s+)?"
    r"por\s+(?:confirmar|verificar|validar)\b",
    r"\bsin\s+(?:confirmar|verificar|validar)\b",
    r"\bpendientes?\s+de\s+"
    r"(?:confirmar|confirmaci[oó]n|verificar|verificaci[oó]n|validar|validaci[oó]n)\b",
    # "no tenemos información", "no contamos con esa información", "no disponemos de datos"
    r"\bno\s+(?:tenemos|tengo|contamos\s+con|cuento\s+con|disponemos\s+de|dispongo\s+de)\s+"
    r"(?:\w+\s+){0,2}?(?:informaci[oó]n|datos?)\b",
)  # fmt: skip

_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]+", re.IGNORECASE)
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PLACEHOLDER_RE = re.compile(r"\{[^{}\s]*\}")
_EMOTICON_RE = re.compile(
    r"(?<![\w:;=<>^])"
    r"(?:[:;=][-'^]?[()\[\]DPpOo/\\|*3]|<3|[xX]D+|\^_?\^|-_-|T_T)"
    r"(?![\w])"
)
_EMOJI_RE = re.compile(
    "["
    "\U0001f000-\U0001faff"  # emoticons, pictographs, transport, flags, supplemental symbols
    "\u2600-\u27bf"  # miscellaneous symbols and dingbats
    "\u231a\u231b\u2328\u23cf\u23e9-\u23f3\u23f8-\u23fa"
    "\u2b05-\u2b07\u2b1b\u2b1c\u2b50\u2b55"
    "\u3030\u303d\u3297\u3299"
    "\ufe0f\u200d\u20e3"  # emoji presentation selector, joiner, keycap
    "\U000e0020-\U000e007f"  # tag sequences
    "]"
)
_WORD_RE = re.compile(r"[^\W\d_]+")
_HEDGE_RES = tuple(re.compile(pattern, re.IGNORECASE) for pattern in HEDGE_PATTERNS)
# "... en este chat" said of a fact not confirmed or not available there.
_THIS_CHAT_RE = re.compile(r"\ben\s+este\s+chat\b", re.IGNORECASE)
_THIS_CHAT_HEDGE_RE = re.compile(r"confirm|\bno\b.*\bdisponibles?\b", re.IGNORECASE)
_ROMAN_RE = re.compile(r"^(?:L?X{0,3})(?:IX|IV|V?I{0,3})$")
_BLOCK_SPLIT_RE = re.compile(r"\n\s*\n")
# Within a line, a sentence ends at . ? ! or … followed by white space
# (unless the period closes an abbreviation, see _ends_with_abbreviation).
_SENTENCE_END_RE = re.compile(r"(?<=[.?!…])\s+")
_ABBREVIATIONS = frozenset(
    {"sr", "sra", "srta", "dr", "dra", "ud", "uds", "núm", "art", "tel", "cra",
     "cl", "av", "ext", "pág", "lic", "ing"}
)  # fmt: skip


@dataclass(frozen=True)
class Problem:
    """One style violation in a domain file."""

    path: str
    line: int
    item: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.item}: {self.rule}: {self.message}"


class Finding(NamedTuple):
    """One problem of one text: its rule, `make check`'s message and a Spanish one."""

    rule: str
    message: str
    spanish: str


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(char for char in decomposed if not unicodedata.combining(char))
    )


_TUTEO_FORMS = frozenset(
    form
    for word in TUTEO_WORDS
    for form in ({word} if word in ACCENT_REQUIRED else {word, _strip_accents(word)})
)


def _mask(text: str, replacement: str = " ") -> str:
    """Replace URLs, e-mail addresses and ``{placeholders}``, which are not prose."""
    for pattern in (_URL_RE, _EMAIL_RE, _PLACEHOLDER_RE):
        text = pattern.sub(replacement, text)
    return text


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _check_exclamation(prose: str) -> list[Finding]:
    marks = _unique(char for char in prose if char in "¡!")
    if not marks:
        return []
    shown = " and ".join(f"'{mark}'" for mark in marks)
    shown_es = " y ".join(f"«{mark}»" for mark in marks)
    return [Finding("no-exclamation", f"exclamation mark {shown}; the protocol forbids them",
                    f"signo de admiración {shown_es}: el protocolo no los permite.")]


def _check_emoji(prose: str) -> list[Finding]:
    found = _unique(
        [
            match.group()
            for match in _EMOJI_RE.finditer(prose)
            if match.group() not in "\ufe0f\u200d"
        ]
        + [match.group() for match in _EMOTICON_RE.finditer(prose)]
    )
    return [
        Finding("no-emoji", f"emoji or emoticon {item!r}; the protocol forbids them",
                f"emoticón o emoji «{item}»: el protocolo no los permite.")
        for item in found
    ]


def _is_shouting(word: str) -> bool:
    return (
        len(word) >= 2
        and word.isupper()
        and word not in ALLOWED_ACRONYMS
        and not _ROMAN_RE.match(word)
    )


def _check_shouting(prose: str) -> list[Finding]:
    prose = _EMOTICON_RE.sub(" ", prose)
    words = _unique(word for word in _WORD_RE.findall(prose) if _is_shouting(word))
    return [
        Finding("no-shouting", f"word in capitals {word!r}; use capitals only for acronyms",
                f"palabra en mayúsculas «{word}»: use mayúsculas solo en las siglas.")
        for word in words
    ]


def _check_tuteo(prose: str) -> list[Finding]:
    words = _unique(word for word in _WORD_RE.findall(prose) if word.lower() in _TUTEO_FORMS)
    return [
        Finding("no-tuteo", f"informal second person {word!r}; address the citizen as usted",
                f"tuteo en «{word}»: trate al ciudadano de usted.")
        for word in words
    ]


def _hedge(sentence: str) -> str | None:
    """The hedge phrase of one sentence, if any."""
    for pattern in _HEDGE_RES:
        match = pattern.search(sentence)
        if match:
            return match.group()
    chat = _THIS_CHAT_RE.search(sentence)
    if chat and _THIS_CHAT_HEDGE_RE.search(sentence):
        return chat.group()
    return None


def _check_hedges(prose: str) -> list[Finding]:
    phrases = _unique(
        phrase
        for block in _BLOCK_SPLIT_RE.split(prose)
        for sentence in _sentences(block)
        if (phrase := _hedge(sentence))
    )
    return [
        Finding(
            "no-hedge",
            f"hedge shown to the citizen {phrase!r}; leave an unconfirmed fact out and "
            "point to the channel (CISAT, website, PQRD form)",
            f"la frase «{phrase}» expresa una duda que el ciudadano no debe leer. Deje fuera "
            "el dato sin confirmar y remita al canal: el CISAT, el sitio web o el formulario "
            "PQRD.",
        )
        for phrase in phrases
    ]


def _check_faq_blocks(text: str) -> list[Finding]:
    count = sum(1 for block in _BLOCK_SPLIT_RE.split(text) if block.strip())
    if count <= MAX_FAQ_BLOCKS:
        return []
    return [
        Finding(
            "faq-blocks",
            f"answer of {count} blocks (max {MAX_FAQ_BLOCKS}); with the satisfaction "
            f"question the turn would send {count + 1} messages (max {MAX_TURN_MESSAGES}): "
            "merge or cut blocks",
            f"la respuesta tiene {count} bloques (máximo {MAX_FAQ_BLOCKS}). Con la pregunta "
            f"de satisfacción se enviarían {count + 1} mensajes (máximo {MAX_TURN_MESSAGES}): "
            "una o recorte bloques.",
        )
    ]


def _ends_with_abbreviation(text: str) -> bool:
    last = text.split()[-1] if text.split() else ""
    if not last.endswith(".") or last.endswith(".."):
        return False
    stem = last[:-1].lstrip("(¿¡\"'").lower()
    return (len(stem) == 1 and stem.isalpha()) or stem in _ABBREVIATIONS


def _sentences(block: str) -> list[str]:
    """Split a block into sentences; a line break ends one, "a. m." or "Sr." do not."""
    sentences: list[str] = []
    for line in block.splitlines():
        current = ""
        for piece in _SENTENCE_END_RE.split(line.strip()):
            current = f"{current} {piece}" if current else piece
            if not _ends_with_abbreviation(current):
                sentences.append(current)
                current = ""
        sentences.append(current)
    return [sentence.strip() for sentence in sentences if sentence.strip()]


def _count_words(sentence: str) -> int:
    return sum(1 for token in sentence.split() if any(char.isalnum() for char in token))


def _check_length(text: str) -> list[Finding]:
    problems = []
    for block in _BLOCK_SPLIT_RE.split(text.strip()):
        block = block.strip()
        if not block:
            continue
        sentences = _sentences(_mask(block, "enlace"))
        for sentence in sentences:
            words = _count_words(sentence)
            if words > MAX_SENTENCE_WORDS:
                start = " ".join(sentence.split()[:6])
                problems.append(Finding(
                    "sentence-length",
                    f"sentence of {words} words (max {MAX_SENTENCE_WORDS}): '{start} …'",
                    f"frase de {words} palabras (máximo {MAX_SENTENCE_WORDS}): «{start} …».",
                ))
        start = " ".join(block.split()[:6])
        if len(block) > MAX_BLOCK_CHARS:
            problems.append(Finding(
                "block-length",
                f"block of {len(block)} characters (max {MAX_BLOCK_CHARS}); "
                f"split it with a blank line: '{start} …'",
                f"bloque de {len(block)} caracteres (máximo {MAX_BLOCK_CHARS}). Divídalo con "
                f"una línea en blanco: «{start} …».",
            ))
        if len(sentences) > MAX_BLOCK_SENTENCES:
            problems.append(Finding(
                "block-length",
                f"block of {len(sentences)} sentences (max {MAX_BLOCK_SENTENCES}); "
                f"split it with a blank line: '{start} …'",
                f"bloque de {len(sentences)} frases (máximo {MAX_BLOCK_SENTENCES}). Divídalo "
                f"con una línea en blanco: «{start} …».",
            ))
    return problems


def lint_findings(text: str, *, mandated: bool = False, faq: bool = False) -> list[Finding]:
    """Check one bot message; ``mandated`` scripts skip the length rules, ``faq``
    answers (sent block by block) also get the block limit."""
    text = unicodedata.normalize("NFC", text)
    prose = _mask(text)
    problems = (
        _check_exclamation(prose)
        + _check_emoji(prose)
        + _check_shouting(prose)
        + _check_tuteo(prose)
        + _check_hedges(prose)
    )
    if not mandated:
        # An FAQ answer's block may hold alternatives ("|| ", content/answers.py): the
        # citizen reads one of them, so each is checked as a block of its own.
        problems += _check_length("\n\n".join(iter_texts(text)) if faq else text)
    if faq:
        problems += _check_faq_blocks(text)
    return problems


def lint_text(text: str, *, mandated: bool = False, faq: bool = False) -> list[tuple[str, str]]:
    """`lint_findings` as ``(rule, message)`` pairs: what `make check` prints."""
    return [(finding.rule, finding.message)
            for finding in lint_findings(text, mandated=mandated, faq=faq)]


def _texts(responses: object) -> Iterator[tuple[str, int, str]]:
    """Yield (response name, 1-based line, text) for texts and button titles."""
    if not isinstance(responses, dict):
        return
    for name, variations in responses.items():
        if not isinstance(variations, list):
            continue
        for variation in variations:
            if not isinstance(variation, dict):
                continue
            if isinstance(variation.get("text"), str):
                yield str(name), variation.lc.key("text")[0] + 1, variation["text"]
            buttons = variation.get("buttons")
            for button in buttons if isinstance(buttons, list) else []:
                if isinstance(button, dict) and isinstance(button.get("title"), str):
                    yield str(name), button.lc.key("title")[0] + 1, button["title"]


def domain_texts(path: Path) -> list[tuple[str, int, str]]:
    """(response name, 1-based line, text) of every response text and button title of
    one domain file (tools/facts_check.py reads them too)."""
    with open(path, encoding="utf-8") as handle:
        document = YAML(typ="rt").load(handle)
    return list(_texts(document.get("responses") if isinstance(document, dict) else None))


def lint_response(name: str, text: str) -> list[Finding]:
    """Check one text of the response `name` by its kind: mandated script, FAQ answer
    or other; a draft gets exactly the problems `make check` would report."""
    return lint_findings(text, mandated=name in MANDATED_SCRIPTS, faq=name.startswith(FAQ_PREFIX))


def lint_domain(path: Path) -> list[Problem]:
    """Check every response text and button title of one domain file."""
    return [
        Problem(str(path), line, name, finding.rule, finding.message)
        for name, line, text in domain_texts(path)
        for finding in lint_response(name, text)
    ]
