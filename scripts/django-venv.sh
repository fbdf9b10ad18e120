#!/usr/bin/env bash
# Creates (idempotently) the Python virtualenv that the Django interop tests drive, with
# Django 5.2 LTS and psycopg 3, and prints the absolute path of its python as the last line
# of stdout. Everything else goes to stderr.
#
# DJANGO_VENV=/some/dir bash scripts/django-venv.sh   (default: <repo>/target/django-venv)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${DJANGO_VENV:-$ROOT/target/django-venv}
PYTHON=${PYTHON:-python3}

check() {
    [ -x "$VENV/bin/python" ] &&
        "$VENV/bin/python" -c 'import django, psycopg; assert django.VERSION[:2] == (5, 2)' >/dev/null 2>&1
}

if ! check; then
    if [ ! -x "$VENV/bin/python" ]; then
        echo "django-venv: creating $VENV" >&2
        mkdir -p "$(dirname "$VENV")"
        "$PYTHON" -m venv "$VENV" >&2
    fi
    echo "django-venv: installing Django 5.2 and psycopg 3 into $VENV" >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        'Django>=5.2,<5.3' 'psycopg[binary]>=3.2,<4' >&2
    if ! check; then
        echo "django-venv: $VENV/bin/python cannot import Django 5.2 and psycopg" >&2
        exit 1
    fi
fi

VENV_ABS=$(cd "$VENV" && pwd)
echo "$VENV_ABS/bin/python"
