"""`make readiness` (tools/readiness.py): the checklist printed, exit code 0 only when ready."""

import subprocess
import sys

from content.readiness import Item
from tools.readiness import render
from tools.stack import ROOT


def test_render_groups_by_area_and_marks_what_blocks():
    text = render([Item("Hechos pendientes", "cisat_phone", "Falta.", True, ("faq/a",)),
                   Item("Configuración", "DATABASE_URL", "SQLite.", False)])
    assert "== Hechos pendientes\n[BLOQUEA] cisat_phone: Falta." in text
    assert "respuestas que se debilitan: faq/a" in text
    assert "[aviso  ] DATABASE_URL" in text
    assert text.endswith("1 punto(s) bloquean la salida a producción; 1 aviso(s).")
    assert "nada pendiente" in render([])


def test_a_development_installation_is_not_ready(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "RASA_TELEMETRY_ENABLED": "false"}
    result = subprocess.run([sys.executable, "-m", "tools.readiness", "--no-network"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "[BLOQUEA] TENJO_ENV" in result.stdout
    assert "[BLOQUEA] PQRD_URL: No se pudo comprobar" in result.stdout


def test_a_bad_setting_is_exit_code_2(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "WEB_PORT": "x"}
    result = subprocess.run([sys.executable, "-m", "tools.readiness", "--no-network"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "WEB_PORT" in result.stderr
