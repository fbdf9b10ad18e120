#!/usr/bin/env python3
"""Drives the Django interop project (tests/django/project) for the Rust integration tests.

Run as ``<venv python> tests/django/djctl.py`` with DJANGO_SECRET_KEY, DJANGO_DB and optionally
DJANGO_SECRET_KEY_FALLBACKS set (see djproj/settings.py). It speaks JSON lines: one object
``{"cmd": "...", ...}`` per input line, and answers each with exactly one line on stdout,
``{"ok": true, ...}`` or ``{"ok": false, "error": "..."}``. Blank input lines are skipped. It
exits at end of input or on ``{"cmd": "quit"}`` (answered with ``{"ok": true}`` first).
Nothing else is ever written to stdout: Django's output, warnings and logs go to stderr.
"""
import json
import os
import sys

# Keep the real stdout for the protocol only, and point file descriptor 1 and sys.stdout at
# stderr, so that anything else that prints (management commands, libraries, C code) cannot
# corrupt the protocol stream.
_PROTO = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", buffering=1)
sys.stdout.flush()
os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
sys.stdout = sys.stderr

PROJECT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "project")
sys.path.insert(0, PROJECT_DIR)
os.environ["DJANGO_SETTINGS_MODULE"] = "djproj.settings"

import django  # noqa: E402

django.setup()

from django.contrib.auth import authenticate as dj_authenticate  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group, Permission  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

User = get_user_model()


class Failure(Exception):
    """An error whose message is sent as it is (no exception type in front)."""


def _arg(req, name):
    if name not in req:
        raise Failure(f"missing argument: {name}")
    return req[name]


def _user(username):
    # Always a fresh query: nothing about a user is cached between commands.
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise Failure("no such user") from None


def _group(name):
    try:
        return Group.objects.get(name=name)
    except Group.DoesNotExist:
        raise Failure("no such group") from None


def _perm(dotted):
    app_label, sep, codename = str(dotted).partition(".")
    if not sep or not app_label or not codename:
        raise Failure(f"permission must be app_label.codename, got {dotted!r}")
    try:
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)
    except Permission.DoesNotExist:
        raise Failure(f"no such permission: {dotted}") from None


def _client(sessionid):
    client = Client()
    if sessionid is not None:
        client.cookies["sessionid"] = sessionid
    return client


def _iso(value):
    return value.isoformat() if value is not None else None


# ---- commands: each takes the request object and returns a dict of results ----


def cmd_migrate(req):
    call_command("migrate", interactive=False, verbosity=0)
    return {}


def cmd_create_user(req):
    user = User.objects.create_user(
        username=_arg(req, "username"),
        email=req.get("email") or "",
        password=_arg(req, "password"),
    )
    user.is_staff = bool(req.get("is_staff", False))
    user.is_superuser = bool(req.get("is_superuser", False))
    user.is_active = bool(req.get("is_active", True))
    user.save()
    return {"id": user.pk}


def cmd_create_group(req):
    group, _ = Group.objects.get_or_create(name=_arg(req, "name"))
    perms = [_perm(p) for p in req.get("perms") or []]
    if perms:
        group.permissions.add(*perms)
    return {"id": group.pk}


def cmd_add_to_group(req):
    _user(_arg(req, "username")).groups.add(_group(_arg(req, "group")))
    return {}


def cmd_remove_from_group(req):
    _user(_arg(req, "username")).groups.remove(_group(_arg(req, "group")))
    return {}


def cmd_grant(req):
    _user(_arg(req, "username")).user_permissions.add(_perm(_arg(req, "perm")))
    return {}


def cmd_revoke(req):
    _user(_arg(req, "username")).user_permissions.remove(_perm(_arg(req, "perm")))
    return {}


def cmd_set_password(req):
    user = _user(_arg(req, "username"))
    user.set_password(_arg(req, "password"))
    user.save()
    return {}


def cmd_set_flags(req):
    user = _user(_arg(req, "username"))
    fields = []
    for flag in ("is_active", "is_staff", "is_superuser"):
        if req.get(flag) is not None:
            setattr(user, flag, bool(req[flag]))
            fields.append(flag)
    if fields:
        user.save(update_fields=fields)
    return {}


def cmd_login(req):
    client = Client()
    response = client.post(
        "/accounts/login/",
        {"username": _arg(req, "username"), "password": _arg(req, "password")},
    )
    cookie = client.cookies.get("sessionid")
    return {
        "status": response.status_code,
        "sessionid": cookie.value if cookie is not None and cookie.value else None,
        "location": response.get("Location"),
    }


def cmd_whoami(req):
    response = _client(req.get("sessionid")).get("/whoami/")
    result = {"status": response.status_code}
    if response.get("Content-Type", "").startswith("application/json"):
        result.update(json.loads(response.content))
    return result


def cmd_logout(req):
    response = _client(req.get("sessionid")).post("/accounts/logout/")
    return {"status": response.status_code}


def cmd_session_exists(req):
    exists = Session.objects.filter(
        session_key=_arg(req, "sessionid"), expire_date__gt=timezone.now()
    ).exists()
    return {"exists": exists}


def cmd_session_data(req):
    return {"data": SessionStore(session_key=_arg(req, "sessionid")).load()}


def cmd_authenticate(req):
    user = dj_authenticate(username=_arg(req, "username"), password=_arg(req, "password"))
    if user is None:
        return {"id": None}
    stored = User.objects.values_list("password", flat=True).get(pk=user.pk)
    return {"id": user.pk, "password": stored}


def cmd_user(req):
    user = _user(_arg(req, "username"))
    return {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "password": user.password,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "last_login": _iso(user.last_login),
        "date_joined": _iso(user.date_joined),
    }


def cmd_has_perm(req):
    user = _user(_arg(req, "username"))
    return {"has_perm": user.has_perm(_arg(req, "perm"))}


def cmd_quit(req):
    return {}


COMMANDS = {
    name[len("cmd_"):]: fn for name, fn in list(globals().items()) if name.startswith("cmd_")
}


def handle(line):
    try:
        req = json.loads(line)
    except ValueError as e:
        return {"ok": False, "error": f"bad JSON: {e}"}, False
    if not isinstance(req, dict):
        return {"ok": False, "error": "expected a JSON object"}, False
    name = req.get("cmd")
    fn = COMMANDS.get(name) if isinstance(name, str) else None
    if fn is None:
        return {"ok": False, "error": f"unknown command: {name!r}"}, False
    try:
        result = fn(req)
    except Failure as e:
        return {"ok": False, "error": str(e)}, False
    except Exception as e:  # noqa: BLE001 -- one bad command must never end the session
        # Drop a connection left unusable (e.g. the server went away); the next query reconnects.
        try:
            close_old_connections()
        except Exception:  # noqa: BLE001
            pass
        return {"ok": False, "error": f"{type(e).__name__}: {e}"}, False
    return {"ok": True, **result}, name == "quit"


def main():
    while True:
        line = sys.stdin.readline()
        if not line:
            break
        if not line.strip():
            continue
        reply, stop = handle(line)
        _PROTO.write(json.dumps(reply, default=str) + "\n")
        _PROTO.flush()
        if stop:
            break


if __name__ == "__main__":
    main()
