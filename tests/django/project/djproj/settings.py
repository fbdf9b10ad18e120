"""Settings for the Django interop test project.

Everything that varies comes from the environment:

- DJANGO_SECRET_KEY (required)
- DJANGO_SECRET_KEY_FALLBACKS (optional, comma-separated)
- DJANGO_DB (required): ``sqlite:///absolute/path.db`` or
  ``postgres://user[:password]@host[:port]/dbname[?option=value...]``
"""
import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def _required(name):
    value = os.environ.get(name, "")
    if not value:
        raise ImproperlyConfigured(f"set {name} in the environment")
    return value


def _database(url):
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if not path.startswith("/"):
            raise ImproperlyConfigured(
                f"DJANGO_DB: sqlite needs an absolute path (sqlite:///abs/path.db), got {url!r}"
            )
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            # Another process (the Rust side) may write the same file concurrently: wait for its
            # locks, and take the write lock when a transaction starts, so that a read-then-write
            # transaction never fails at once with "database is locked".
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    if parts.scheme in ("postgres", "postgresql"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(f"DJANGO_DB: no database name in {url!r}")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "OPTIONS": dict(parse_qsl(parts.query)),
        }
    raise ImproperlyConfigured(
        f"DJANGO_DB: expected sqlite:///path or postgres://..., got {url!r}"
    )


SECRET_KEY = _required("DJANGO_SECRET_KEY")
SECRET_KEY_FALLBACKS = [
    key.strip()
    for key in os.environ.get("DJANGO_SECRET_KEY_FALLBACKS", "").split(",")
    if key.strip()
]

DEBUG = False
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "blog",
    "shop",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

ROOT_URLCONF = "djproj.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

DATABASES = {"default": _database(_required("DJANGO_DB"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# PASSWORD_HASHERS, AUTHENTICATION_BACKENDS and SESSION_ENGINE stay at Django's defaults.
LOGIN_REDIRECT_URL = "/whoami/"

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = False

# Quiet: only errors, and only on stderr (stdout belongs to djctl's protocol).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "level": "ERROR",
        }
    },
    "loggers": {
        "django": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
    },
}
