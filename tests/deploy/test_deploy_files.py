"""The deployment kit (deploy/, docs/despliegue.md), checked by the tools that run it and
against the scaled layout (tools/scaled.py):

- `systemd-analyze verify` on every unit of deploy/systemd/, in a root that holds this
  machine's systemd units and the programs the units start;
- `docker compose config` (Docker Compose's own binary) on deploy/compose.yaml;
- `nginx -t` (Debian's nginx) on the production site and on compose's nginx.conf;
- every process of `make run-scaled` has a unit and a compose service that run the same
  command on the same port, and only nginx is reachable from outside.

The tools come from `make deploy-tools`; without one, a test fails and says so.
"""

from __future__ import annotations

import datetime as dt
import http.client
import importlib.util
import json
import os
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from settings import Settings, startup_refusal
from settings.dotenv import parse_dotenv
from settings.table import default_env
from tools.scaled import nginx_config, scaled_env, scaled_processes
from tools.stack import BIN, ROOT

DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
SITE = DEPLOY / "nginx" / "tenjo.conf"
COMPOSE = DEPLOY / "compose.yaml"
COMPOSE_NGINX = DEPLOY / "compose" / "nginx.conf"
GUIDE = ROOT / "docs" / "despliegue.md"
INSTALL_DIR = "/opt/tenjo"
ENV_FILE = "/etc/tenjo/tenjo.env"

# The processes of `make run-scaled` (tools/scaled.py) and where each one runs here.
REPLICA_UNITS = {"rasa-a": "tenjo-rasa@5005.service", "rasa-b": "tenjo-rasa@5006.service",
                 "actions-a": "tenjo-actions@5055.service",
                 "actions-b": "tenjo-actions@5056.service", "web": "tenjo-web.service"}
LONG_RUNNING = ("tenjo-rasa@.service", "tenjo-actions@.service", "tenjo-web.service")
SERVICES = ("tenjo-migrate.service", *LONG_RUNNING, "tenjo-backup.service",
            "tenjo-purge.service")
SECRETS = {"RASA_TOKEN": "rasa-token-of-the-deploy-tests-1234",
           "CONSOLE_SECRET_KEY": "console-secret-of-the-deploy-tests",
           "CHAT_TOKEN_SECRET": "chat-secret-of-the-deploy-tests-12"}


def tool(path: str) -> str:
    """The program at `path` (or on the PATH); the test fails, naming the make target,
    when it is missing."""
    found = path if os.access(path, os.X_OK) else shutil.which(Path(path).name)
    if not found:
        pytest.fail(f"{path} is missing: run `make deploy-tools`.", pytrace=False)
    return found


def docker_compose() -> str:
    return tool(str(ROOT / ".deploy-tools" / "bin" / "docker-compose"))


# ---------------------------------------------------------------- reading the files

def unit(name: str) -> dict[str, list[tuple[str, str]]]:
    """A unit file's sections: (key, value) in order, repeated keys kept."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for raw in (UNITS / name).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
            continue
        key, _, value = line.partition("=")
        assert current is not None, f"{name}: {line!r} outside a section"
        current.append((key.strip(), value.strip()))
    return sections


def values(name: str, section: str, key: str) -> list[str]:
    return [value for k, value in unit(name).get(section, []) if k == key]


def environment_defaults(name: str) -> dict[str, str]:
    """The unit's own Environment= assignments."""
    assigned = {}
    for line in values(name, "Service", "Environment"):
        for word in shlex.split(line):
            key, _, value = word.partition("=")
            assigned[key] = value
    return assigned


def exec_lines(name: str) -> list[list[str]]:
    return [shlex.split(line) for key in ("ExecStartPre", "ExecStart", "ExecStartPost")
            for line in values(name, "Service", key)]


def instances() -> list[str]:
    """The units tenjo.target starts, instances included."""
    return [word for line in values("tenjo.target", "Unit", "Wants") for word in line.split()]


def production_block() -> str:
    """The lines of the environment file in docs/despliegue.md (the ```ini block that
    starts with its path)."""
    text = GUIDE.read_text(encoding="utf-8")
    match = re.search(r"```ini\n# /etc/tenjo/tenjo\.env[^\n]*\n(.*?)```", text, re.S)
    assert match, "docs/despliegue.md has no ```ini block starting with # /etc/tenjo/tenjo.env"
    return match.group(1)


def production_env() -> dict[str, str]:
    """The production values of docs/despliegue.md."""
    return parse_dotenv(production_block(), "docs/despliegue.md")


def expanded(argv: list[str], env: dict[str, str], instance: str = "") -> list[str]:
    """An Exec line as systemd runs it: ${VAR} from `env`, %i the instance."""
    def one(word: str) -> str:
        word = re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], word)
        return word.replace("%i", instance)
    return [one(word) for word in argv]


def nginx_blocks(text: str, keyword: str) -> list[str]:
    """The bodies of the top-level-or-nested `keyword ... { ... }` blocks (braces balanced)."""
    bodies = []
    for match in re.finditer(rf"(?m)^\s*{keyword}(?=[\s{{])[^{{;]*\{{", text):
        depth, index = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            index += 1
        bodies.append(text[match.end():index - 1])
    return bodies


def without_comments(text: str) -> str:
    return re.sub(r"#[^\n]*", "", text)


def directives(block: str, name: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(rf"(?m)^\s*{name}\s+([^;]*);", block)]


def public_server(text: str) -> str:
    """The server block of the public front: the one that serves socket.io."""
    (front,) = [b for b in nginx_blocks(without_comments(text), "server")
                if re.search(r"location\s+/socket\.io/", b)]
    return front


# ---------------------------------------------------------------- systemd

def verify_root(tmp_path: Path, units: Path = UNITS) -> Path:
    """A root for `systemd-analyze verify --root`: this machine's systemd units, ours in
    /etc/systemd/system, and at each program path the units start an executable stub (the
    real programs are checked against the project in another test)."""
    root = tmp_path / "root"
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    shutil.copytree(units, root / "etc/systemd/system")
    for name in os.listdir(units):
        if name.endswith(".service"):
            for argv in exec_lines(name):
                program = root / argv[0].lstrip("/")
                program.parent.mkdir(parents=True, exist_ok=True)
                program.write_text("#!/bin/sh\nexit 0\n")
                program.chmod(0o755)
    return root


def verify(root: Path, names: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([tool("/usr/bin/systemd-analyze"), "verify", f"--root={root}", *names],
                          capture_output=True, text=True, timeout=120)


def every_unit_name() -> list[str]:
    plain = sorted(name for name in os.listdir(UNITS) if "@." not in name)
    return plain + [name for name in instances() if "@" in name]


def test_systemd_analyze_verify_accepts_every_unit_without_a_warning(tmp_path):
    names = every_unit_name()
    assert {"tenjo.target", "tenjo-backup.timer", "tenjo-purge.timer",
            *REPLICA_UNITS.values()} <= set(names)
    result = verify(verify_root(tmp_path), names)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (result.stdout + result.stderr).strip() == ""


def test_systemd_analyze_would_report_a_broken_unit(tmp_path):
    broken = tmp_path / "units"
    shutil.copytree(UNITS, broken)
    web = broken / "tenjo-web.service"
    web.write_text(web.read_text().replace("ProtectSystem=strict", "ProtectSistem=strict"))
    root = verify_root(tmp_path, broken)
    result = verify(root, ["tenjo-web.service"])
    assert "Unknown key" in result.stdout + result.stderr and "ProtectSistem" in result.stderr


def test_the_target_starts_every_process_of_the_scaled_layout():
    assert set(instances()) == {"tenjo-migrate.service", *REPLICA_UNITS.values()}
    env = layout_env(DATABASE_URL="postgresql://tenjo@127.0.0.1:5432/tenjo")
    # nginx is Debian's service with deploy/nginx/tenjo.conf (tested below).
    assert set(scaled_processes(env)) == {"nginx", *REPLICA_UNITS}
    assert (env["RASA_A_PORT"], env["RASA_B_PORT"], env["ACTIONS_A_PORT"],
            env["ACTIONS_B_PORT"], env["WEB_PORT"]) == ("5005", "5006", "5055", "5056", "8000")


def layout_env(**overrides: str) -> dict[str, str]:
    """`make run-scaled`'s environment with its defaults, whatever this shell has set."""
    defaults = {name: default_env(name) for name in (
        "RASA_A_PORT", "RASA_B_PORT", "ACTIONS_A_PORT", "ACTIONS_B_PORT", "WEB_PORT",
        "RASA_MODEL", "RASA_CORS")}
    return scaled_env({**defaults, "RASA_INTERFACE": "127.0.0.1", "SANIC_HOST": "127.0.0.1",
                       **SECRETS, **overrides}, dotenv=None)


def test_each_unit_runs_the_command_of_make_run_scaled():
    documented = production_env()
    env = layout_env(DATABASE_URL=documented["DATABASE_URL"])
    specs = scaled_processes(env)
    for name, unit_name in REPLICA_UNITS.items():
        template = re.sub(r"@\d+\.", "@.", unit_name)
        instance = unit_name.partition("@")[2].partition(".")[0]
        unit_env = {**environment_defaults(template), **documented, **SECRETS}
        (argv,) = exec_lines(template)
        argv = expanded(argv, unit_env, instance)
        argv[0] = argv[0].replace(f"{INSTALL_DIR}/.venv/bin/", f"{BIN}/")
        assert argv == specs[name].command, name
        assert values(template, "Service", "WorkingDirectory") == [INSTALL_DIR]
        assert values(template, "Service", "EnvironmentFile") == [ENV_FILE]


def test_the_programs_and_files_the_units_name_are_the_projects():
    for name in SERVICES:
        for argv in exec_lines(name):
            program = argv[0]
            if program.startswith(f"{INSTALL_DIR}/"):
                assert (ROOT / program.removeprefix(f"{INSTALL_DIR}/")).exists(), program
                if "-m" in argv:
                    module = argv[argv.index("-m") + 1]
                    assert importlib.util.find_spec(module) is not None, module
            else:
                assert os.access(program, os.X_OK), f"{name}: {program}"
            for word in argv:
                if word.endswith((".yml", ".yaml")):
                    assert (ROOT / word).is_file(), f"{name}: {word}"


def test_the_units_are_hardened_and_run_as_the_unprivileged_user():
    for name in SERVICES:
        service = dict(unit(name)["Service"])
        for key, expected in (("User", "tenjo"), ("Group", "tenjo"),
                              ("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
                              ("ProtectHome", "yes"), ("PrivateTmp", "yes"),
                              ("PrivateDevices", "yes"), ("CapabilityBoundingSet", ""),
                              ("RestrictSUIDSGID", "yes"), ("LockPersonality", "yes"),
                              ("SystemCallFilter", "@system-service"),
                              ("WorkingDirectory", INSTALL_DIR), ("EnvironmentFile", ENV_FILE)):
            assert service.get(key) == expected, f"{name}: {key}={service.get(key)!r}"
        assert "ReadWritePaths" not in service, f"{name}: the code stays read-only"
    for name in LONG_RUNNING:
        assert dict(unit(name)["Service"])["Restart"] == "on-failure", name


def test_only_nginx_is_public_in_the_units():
    rasa = exec_lines("tenjo-rasa@.service")[0]
    assert rasa[rasa.index("--interface") + 1] == "127.0.0.1"
    assert rasa[rasa.index("--port") + 1] == "%i"
    assert environment_defaults("tenjo-actions@.service")["SANIC_HOST"] == "127.0.0.1"
    assert environment_defaults("tenjo-web.service")["WEB_HOST"] == "127.0.0.1"
    # Rasa and the action servers talk to nothing but this machine, whatever the file says.
    for name in ("tenjo-rasa@.service", "tenjo-actions@.service"):
        service = unit(name)["Service"]
        assert ("IPAddressAllow", "localhost") in service and ("IPAddressDeny", "any") in service
    # The environment file cannot move them: it sets none of their addresses or ports.
    documented = production_env()
    assert not {"RASA_INTERFACE", "SANIC_HOST", "WEB_HOST", "WEB_PORT", "RASA_PORT",
                "ACTIONS_PORT"} & set(documented)


# ---------------------------------------------------------------- the environment file

def test_the_documented_production_environment_is_accepted_and_consistent():
    """.env.example with the guide's lines added at its end, as the guide says."""
    documented = production_env()
    written = parse_dotenv((ROOT / ".env.example").read_text(encoding="utf-8")
                           + "\n" + production_block(), "tenjo.env")
    assert documented.items() <= written.items()
    assert written["TENJO_ENV"] == "production"
    assert startup_refusal(written) is None
    settings = Settings.from_env(written)
    assert (settings.rasa_interface, settings.sanic_host, settings.web_host) == (
        "127.0.0.1", "127.0.0.1", "127.0.0.1")
    assert settings.console_secure_cookies
    assert settings.console_trusted_proxies == 1 and settings.chat_trusted_proxies == 1
    assert settings.rasa_endpoints == "endpoints.scaled.yml"
    redis = settings.redis_url
    assert redis == (f"redis://{documented['REDIS_HOST']}:{documented['REDIS_PORT']}/"
                     f"{documented['REDIS_DB']}")
    # The web app and Rasa reach Rasa's API and the action servers through nginx's
    # loopback servers of the site.
    listens = [listen for block in nginx_blocks(without_comments(SITE.read_text()), "server")
               for listen in directives(block, "listen")]
    assert settings.rasa_url == "http://127.0.0.1:8081" and "127.0.0.1:8081" in listens
    assert settings.actions_url == "http://127.0.0.1:8082/webhook" and "127.0.0.1:8082" in listens
    assert all(origin.startswith("https://") for origin in settings.chat_allowed_origins)
    assert settings.chat_socket_url.startswith("https://")


# ---------------------------------------------------------------- nginx

def self_signed(folder: Path) -> None:
    """fullchain.pem and privkey.pem for chat.ejemplo.gov.co, valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "chat.ejemplo.gov.co")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
                   .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "fullchain.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "privkey.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))


def temp_paths(folder: Path) -> str:
    (folder / "temp").mkdir(exist_ok=True)
    return "".join(f"{name}_temp_path {folder / 'temp' / name};\n"
                   for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))


def nginx_test(folder: Path, config: Path) -> subprocess.CompletedProcess:
    (folder / "logs").mkdir(exist_ok=True)
    return subprocess.run(
        [tool("/usr/sbin/nginx"), "-t", "-p", f"{folder}/", "-e", str(folder / "logs/error.log"),
         "-c", str(config)], capture_output=True, text=True, timeout=60)


def test_nginx_accepts_the_production_site(tmp_path):
    """The site inside a minimal http { } (Debian's nginx.conf adds only its defaults);
    the certificate and log paths point into this test's folder."""
    self_signed(tmp_path / "tls")
    site = SITE.read_text().replace("/etc/ssl/tenjo/", f"{tmp_path}/tls/").replace(
        "/var/log/nginx/", f"{tmp_path}/logs/")
    (tmp_path / "tenjo.conf").write_text(site)
    config = tmp_path / "nginx.conf"
    config.write_text(f"pid {tmp_path}/nginx.pid;\nevents {{}}\nhttp {{\n"
                      f"{temp_paths(tmp_path)}include {tmp_path}/tenjo.conf;\n}}\n")
    result = nginx_test(tmp_path, config)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_nginx_accepts_compose_configuration(tmp_path):
    """compose's nginx.conf as the container reads it; the service names, which resolve
    only inside compose's network, become 127.0.0.1."""
    self_signed(tmp_path / "tls")
    text = COMPOSE_NGINX.read_text().replace("/etc/ssl/tenjo/", f"{tmp_path}/tls/")
    text = re.sub(r"server (rasa-a|rasa-b|actions-a|actions-b|web):", "server 127.0.0.1:", text)
    text = text.replace("http {", f"http {{\n{temp_paths(tmp_path)}", 1)
    config = tmp_path / "nginx.conf"
    config.write_text(f"pid {tmp_path}/nginx.pid;\n{text}")
    result = nginx_test(tmp_path, config)
    assert result.returncode == 0, result.stderr


def test_nginx_rejects_a_broken_site(tmp_path):
    self_signed(tmp_path / "tls")
    site = SITE.read_text().replace("/etc/ssl/tenjo/", f"{tmp_path}/tls/").replace(
        "/var/log/nginx/", f"{tmp_path}/logs/").replace("proxy_buffering off;", "proxy_buffering")
    (tmp_path / "tenjo.conf").write_text(site)
    config = tmp_path / "nginx.conf"
    config.write_text(f"events {{}}\nhttp {{\n{temp_paths(tmp_path)}"
                      f"include {tmp_path}/tenjo.conf;\n}}\n")
    assert nginx_test(tmp_path, config).returncode != 0


@pytest.mark.parametrize("path", [SITE, COMPOSE_NGINX], ids=["systemd", "compose"])
def test_only_the_public_front_is_reachable_and_it_serves_what_the_layout_does(path):
    text = path.read_text()
    servers = nginx_blocks(without_comments(text), "server")
    public = [listen for block in servers for listen in directives(block, "listen")
              if not listen.startswith("127.0.0.1:") and listen.split()[0] not in ("8081", "8082")]
    assert sorted(public) in (
        ["443 ssl http2", "80", "[::]:443 ssl http2", "[::]:80"], ["443 ssl http2", "80"])
    front = public_server(text)
    locations = directives(front.replace("{", ";"), "location")
    assert sorted(locations) == ["/", "/socket.io/", "/webhooks/rest/", "= /chat/session",
                                 "= /metrics", "@too_many_requests"]
    # socket.io: sticky by tab, with the WebSocket upgrade; Rasa's HTTP API only behind.
    socket = nginx_blocks(front, r"location /socket\.io/")[0]
    assert "proxy_pass http://tenjo_rasa_sticky" in socket
    assert "hash $arg_lb$remote_addr consistent" in nginx_blocks(text, "upstream")[0]
    assert "proxy_set_header Upgrade $http_upgrade" in front
    assert "proxy_set_header Connection $tenjo_connection_upgrade" in front
    assert "return 404" in nginx_blocks(front, "location = /metrics")[0]
    assert "ssl_certificate /etc/ssl/tenjo/fullchain.pem" in front
    assert "return 301 https://" in text
    upstreams = " ".join(nginx_blocks(without_comments(text), "upstream"))
    servers_of = re.findall(r"server\s+([\w.-]+):(\d+)", upstreams)
    assert sorted(port for _, port in servers_of) == [
        "5005", "5005", "5006", "5006", "5055", "5056", "8000"]
    if path == SITE:
        assert {host for host, _ in servers_of} == {"127.0.0.1"}


def location_limits(front: str) -> dict[str, list[str]]:
    """Each location of a server block and its request and connection limits, zone names
    without this kit's `tenjo_` prefix."""
    limits = {}
    for match in re.finditer(r"(?m)^\s*location\s+([^{]+?)\s*\{", front):
        (body,) = nginx_blocks(front[match.start():], "location")[:1]
        limits[match.group(1)] = [
            f"{name} {value}".replace("tenjo_", "")
            for name in ("limit_req", "limit_conn") for value in directives(body, name)]
    return limits


def test_the_public_front_keeps_every_route_and_limit_of_the_scaled_layout(tmp_path):
    """What deploy/nginx.conf.template (make run-scaled, tested live) does on its public
    front, with the settings' defaults, the production configurations do too: the same
    locations (the REST channel alone of its webhooks), the same request and connection
    limits on each, and the same limit zones."""
    defaults = {name: default_env(name) for name in (
        "CHAT_SESSIONS_PER_MINUTE", "CHAT_MESSAGES_PER_MINUTE", "CHAT_CONNECTIONS_PER_ADDRESS")}
    env = scaled_env({**SECRETS, **defaults}, dotenv=None)
    rendered = without_comments(nginx_config(env, tmp_path, as_root=False))
    template = {location.replace("/webhooks/", "/webhooks/rest/"): limits
                for location, limits in location_limits(public_server(rendered)).items()}
    zones = sorted(" ".join(z.split()) for z in directives(rendered, "limit_(?:req|conn)_zone"))
    for path in (SITE, COMPOSE_NGINX):
        text = without_comments(path.read_text())
        ours = location_limits(public_server(text))
        assert {location: ours.get(location) for location in template} == template, path
        assert sorted(" ".join(z.replace("tenjo_", "").split()) for z in directives(
            text, "limit_(?:req|conn)_zone")) == zones, path


# ---------------------------------------------------------------- docker compose

@pytest.fixture(scope="module")
def compose_project(tmp_path_factory) -> Path:
    """deploy/ copied with a `.env` as docs/despliegue.md has it written: .env.example
    with the production values, and POSTGRES_PASSWORD."""
    folder = tmp_path_factory.mktemp("compose") / "deploy"
    shutil.copytree(DEPLOY, folder)
    lines = [(ROOT / ".env.example").read_text(encoding="utf-8")]
    lines += [f"{key}={value}" for key, value in {**production_env(), **SECRETS}.items()]
    lines.append("POSTGRES_PASSWORD=ContrasenaDePrueba123")
    (folder / ".env").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def compose(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([docker_compose(), "--profile", "herramientas", *args], cwd=folder,
                          capture_output=True, text=True, timeout=120,
                          # Only deploy/.env: a variable of this shell would win over it.
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                               "HOME": os.environ.get("HOME", "/tmp")})


@pytest.fixture(scope="module")
def compose_config(compose_project) -> dict:
    result = compose(compose_project, "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_docker_compose_config_accepts_compose_yaml(compose_project):
    result = compose(compose_project, "config", "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""


def test_docker_compose_refuses_it_without_the_secrets(compose_project, tmp_path):
    folder = tmp_path / "deploy"
    shutil.copytree(compose_project, folder)
    env = (folder / ".env").read_text()
    (folder / ".env").write_text(re.sub(r"(?m)^POSTGRES_PASSWORD=.*$", "", env))
    result = compose(folder, "config", "--quiet")
    assert result.returncode != 0 and "POSTGRES_PASSWORD" in result.stderr
    (folder / ".env").unlink()
    assert compose(folder, "config", "--quiet").returncode != 0


def test_compose_has_the_processes_of_the_scaled_layout(compose_config):
    services = compose_config["services"]
    assert set(services) == {"postgres", "redis", "migrate", "rasa-a", "rasa-b", "actions-a",
                             "actions-b", "web", "nginx", "backup"}
    env = layout_env(DATABASE_URL="postgresql://tenjo@127.0.0.1:5432/tenjo")
    for name, spec in scaled_processes(env).items():
        if name == "nginx":
            continue
        expected = [Path(spec.command[0]).name, *spec.command[1:]]
        if "--interface" in expected:  # inside its container, on the internal network
            expected[expected.index("--interface") + 1] = "0.0.0.0"
        assert services[name]["command"] == expected, name
    assert services["actions-a"]["environment"]["SANIC_HOST"] == "0.0.0.0"
    for name in ("migrate", "rasa-a", "rasa-b", "actions-a", "actions-b", "web", "backup"):
        environment = services[name]["environment"]
        assert environment["TENJO_ENV"] == "production", name
        assert environment["RASA_URL"] == "http://nginx:8081", name
        assert environment["ACTIONS_URL"] == "http://nginx:8082/webhook", name
        assert environment["DATABASE_URL"].endswith("@postgres:5432/tenjo"), name
        assert startup_refusal(environment) is None, name
        assert services[name]["read_only"] is True, name
        assert "ALL" in services[name]["cap_drop"], name


def test_only_nginx_publishes_ports_and_the_rest_has_no_way_out(compose_config):
    services = compose_config["services"]
    published = {name: sorted(int(port["target"]) for port in service.get("ports", []))
                 for name, service in services.items() if service.get("ports")}
    assert published == {"nginx": [80, 443]}
    assert compose_config["networks"]["interna"].get("internal") is True
    for name, service in services.items():
        networks = set(service.get("networks", {}))
        allowed = {"interna", "externa"} if name in ("web", "nginx") else {"interna"}
        assert networks and networks <= allowed, name
        assert "network_mode" not in service, name
    assert services["nginx"]["depends_on"].keys() >= {"web", "rasa-a", "rasa-b", "actions-a",
                                                      "actions-b"}


def test_the_image_is_python_3_10_and_runs_unprivileged():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"(?m)^FROM python:3\.10-slim-bookworm$", dockerfile)
    assert 'requires-python = ">=3.10,<3.11"' in (ROOT / "pyproject.toml").read_text()
    assert re.findall(r"(?m)^USER (\S+)$", dockerfile)[-1] == "tenjo"
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert {".venv", ".env", "models", "var", "backups"} <= set(ignored)


# ---------------------------------------------------------------- the guide

def test_the_guide_names_every_file_it_installs_and_cites_its_sources():
    guide = GUIDE.read_text(encoding="utf-8")
    for name in (*os.listdir(UNITS), "deploy/nginx/tenjo.conf", "deploy/compose.yaml",
                 "make backup", "make restore", ".env.example", "python -m settings"):
        assert name in guide, name
    assert "https://peps.python.org/pep-0619/" in guide
    assert "https://github.com/RasaHQ/rasa" in guide
    assert "!" not in guide.replace("<!--", "") and "¡" not in guide
    assert not re.search("[\U0001F300-\U0001FAFF\u2600-\u27BF]", guide), "no emoji"


# ---------------------------------------------------------------- the site, running

class Upstream(ThreadingHTTPServer):
    """A stand-in for one process behind nginx: answers every request with its own name,
    the path and the headers it received."""

    def __init__(self, name: str) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                body = json.dumps({"name": name, "path": self.path,
                                   "headers": {k.lower(): v for k, v in self.headers.items()}})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body.encode())

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.port = self.server_address[1]
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.fixture
def running_site(tmp_path) -> Iterator[dict[str, int]]:
    """Debian's nginx serving the production site, on free loopback ports instead of
    80, 443, 8081 and 8082, in front of stand-ins for the five processes."""
    upstreams = {port: Upstream(name) for port, name in (
        (5005, "rasa-a"), (5006, "rasa-b"), (5055, "actions-a"), (5056, "actions-b"),
        (8000, "web"))}
    ports = {name: int(free_port()) for name in ("http", "https", "api", "actions")}
    self_signed(tmp_path / "tls")
    site = SITE.read_text().replace("/etc/ssl/tenjo/", f"{tmp_path}/tls/").replace(
        "/var/log/nginx/", f"{tmp_path}/logs/")
    site = re.sub(r"(?m)^\s*listen \[::\]:\d+[^;]*;\n", "", site)  # no IPv6 needed here
    for public, port in (("80", ports["http"]), ("443", ports["https"])):
        site = re.sub(rf"(?m)^(\s*listen) {public}\b", rf"\1 127.0.0.1:{port}", site)
    for loopback, name in (("8081", "api"), ("8082", "actions")):
        site = site.replace(f"listen 127.0.0.1:{loopback};", f"listen 127.0.0.1:{ports[name]};")
    for port, upstream in upstreams.items():
        site = site.replace(f"server 127.0.0.1:{port}", f"server 127.0.0.1:{upstream.port}")
    (tmp_path / "tenjo.conf").write_text(site)
    (tmp_path / "logs").mkdir()
    user = "user root;\n" if os.geteuid() == 0 else ""
    config = tmp_path / "nginx.conf"
    config.write_text(f"{user}pid {tmp_path}/nginx.pid;\nevents {{}}\nhttp {{\n"
                      f"{temp_paths(tmp_path)}include {tmp_path}/tenjo.conf;\n}}\n")
    nginx = subprocess.Popen(
        [tool("/usr/sbin/nginx"), "-p", f"{tmp_path}/", "-e", str(tmp_path / "logs/error.log"),
         "-c", str(config), "-g", "daemon off;"], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", ports["api"]), timeout=1).close()
                break
            except OSError:
                assert nginx.poll() is None, nginx.stderr.read()
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.1)
        yield ports
    finally:
        nginx.terminate()
        nginx.wait(timeout=15)
        for upstream in upstreams.values():
            upstream.shutdown()
            upstream.server_close()


def free_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


def fetch(port: int, path: str, tls: bool = True, headers: dict | None = None,
          method: str = "GET") -> tuple[int, dict, str]:
    """(status, headers, body) of one request to nginx on 127.0.0.1:port."""
    if tls:
        context = ssl.create_default_context(cafile=None)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=10,
                                                 context=context)
    else:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=b"{}" if method == "POST" else None,
                           headers={"Host": "chat.ejemplo.gov.co", **(headers or {})})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, \
            response.read().decode()
    finally:
        connection.close()


def served_by(port: int, path: str, **kwargs) -> str:
    status, _, body = fetch(port, path, **kwargs)
    assert status == 200, (path, status, body)
    return json.loads(body)["name"]


def test_the_running_site_sends_each_route_where_the_layout_says(running_site):
    https = running_site["https"]
    # Port 80 only redirects to HTTPS.
    status, headers, _ = fetch(running_site["http"], "/console/?x=1", tls=False)
    assert status == 301
    assert headers["location"] == "https://chat.ejemplo.gov.co/console/?x=1"
    # The public front over TLS: the web app, Rasa's channels, nothing of Rasa's API.
    status, headers, _ = fetch(https, "/healthz")
    assert status == 200 and "max-age=" in headers["strict-transport-security"]
    for path in ("/", "/console/", "/chat/session", "/conversations/x/tracker?token=t",
                 "/model/parse", "/status", "/webhooks/callback/webhook"):
        assert served_by(https, path) == "web", path
    assert served_by(https, "/webhooks/rest/webhook", method="POST") in ("rasa-a", "rasa-b")
    assert fetch(https, "/metrics")[0] == 404
    # socket.io: one tab (its `lb`) always on one replica; the WebSocket upgrade passed on.
    placed = set()
    for tab in range(20):
        replicas = {served_by(https, f"/socket.io/?EIO=4&transport=polling&lb=tab{tab}&t={n}")
                    for n in range(4)}
        assert len(replicas) == 1, tab
        placed |= replicas
    assert placed == {"rasa-a", "rasa-b"}, "the tabs spread over both replicas"
    status, _, body = fetch(https, "/socket.io/?EIO=4&transport=websocket&lb=a1",
                            headers={"Upgrade": "websocket", "Connection": "Upgrade"})
    received = json.loads(body)["headers"]
    assert received["upgrade"] == "websocket" and received["connection"] == "upgrade"
    assert received["x-forwarded-proto"] == "https" and received["x-forwarded-for"]
    # Loopback only: Rasa's HTTP API for the web app, the action servers for Rasa.
    assert served_by(running_site["api"], "/conversations/x/tracker", tls=False) in (
        "rasa-a", "rasa-b")
    assert served_by(running_site["actions"], "/webhook", tls=False, method="POST") in (
        "actions-a", "actions-b")


def test_the_running_site_bounds_new_conversations_per_address(running_site):
    statuses = [fetch(running_site["https"], "/chat/session", method="POST")[0]
                for _ in range(45)]
    assert statuses.count(200) >= 20 and statuses[-1] == 429
    status, headers, body = fetch(running_site["https"], "/chat/session", method="POST")
    assert status == 429 and headers["retry-after"] == "60"
    assert "demasiadas solicitudes" in json.loads(body)["error"]
