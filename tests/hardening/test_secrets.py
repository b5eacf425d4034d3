"""Secrets: deployments refuse development keys, field encryption rotates and fails loudly,
outbound URLs are logged without their credentials."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from backend import crypto, redaction
from residents.models import User

ROOT = Path(__file__).resolve().parents[2]
REAL = "k" * 40


def _settings_import(**env: str) -> subprocess.CompletedProcess:
    """Import the real settings in a fresh process with only `env` set of the key variables."""
    unset = {"DEV_KEYS", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    clean.update({k: v for k, v in env.items() if v}, DJANGO_SETTINGS_MODULE="backend.settings")
    code = "import django; django.setup(); from django.conf import settings; print(settings.FIELD_ENCRYPTION_KEYS[0][:8])"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)


@pytest.mark.parametrize(
    "env",
    [
        {"DATABASE_URL": "postgres://x@127.0.0.1/x"},  # no SECRET_KEY at all
        {"DATABASE_URL": "postgres://x@127.0.0.1/x", "SECRET_KEY": REAL},  # no field keys
        {"REDIS_URL": "redis://127.0.0.1:1/0", "SECRET_KEY": REAL, "FIELD_ENCRYPTION_KEYS": REAL},  # same key
        {"SECRET_KEY": "django-insecure-yuandian-embedded-default-do-not-deploy", "FIELD_ENCRYPTION_KEYS": REAL},
    ],
)
def test_a_deployment_with_default_or_missing_keys_does_not_start(env):
    result = _settings_import(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_the_embedded_default_and_a_real_deployment_start():
    embedded = {k: "" for k in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    assert _settings_import(**embedded).returncode == 0
    real = _settings_import(DATABASE_URL="postgres://x@127.0.0.1/x", SECRET_KEY=REAL, FIELD_ENCRYPTION_KEYS="f" * 40)
    assert real.returncode == 0, real.stderr
    assert real.stdout.strip() == "f" * 8


@pytest.mark.django_db
def test_keys_rotate_and_an_unknown_key_fails_loudly(settings, tree):
    settings.FIELD_ENCRYPTION_KEYS = ["old-key-" + "o" * 40]
    user = tree.resident1
    user.set_phone("13800001234")
    user.save()
    settings.FIELD_ENCRYPTION_KEYS = ["new-key-" + "n" * 40, "old-key-" + "o" * 40]
    assert User.objects.get(pk=user.pk).phone == "13800001234"  # old rows still read
    call_command("reencrypt_fields", stdout=open(os.devnull, "w"))
    settings.FIELD_ENCRYPTION_KEYS = ["new-key-" + "n" * 40]  # the old key dropped
    assert User.objects.get(pk=user.pk).phone == "13800001234"
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone_encrypted FROM residents_user WHERE id = %s", [user.pk])
        stored = cursor.fetchone()[0]
    assert "13800001234" not in stored
    settings.FIELD_ENCRYPTION_KEYS = ["wrong-key-" + "w" * 40]
    with pytest.raises(crypto.UndecryptableField):
        User.objects.get(pk=user.pk)


def test_outbound_credentials_are_masked_in_every_handler(caplog):
    logger = logging.getLogger("httpx")
    url = (
        "https://api.weixin.qq.com/sns/jscode2session?appid=wx1&secret=TOPSECRET&js_code=CODE1"
        " https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=ROBOTKEY"
        " https://oapi.dingtalk.com/robot/send?access_token=DTOKEN&timestamp=1&sign=SIG"
        " https://open.feishu.cn/open-apis/bot/v2/hook/FEISHUHOOK"
    )
    with caplog.at_level(logging.INFO, logger="httpx"):
        logger.info('HTTP Request: %s %s "%s"', "POST", url, "HTTP/1.1 200 OK")
    text = caplog.text
    for secret in ("TOPSECRET", "CODE1", "ROBOTKEY", "DTOKEN", "SIG", "FEISHUHOOK"):
        assert secret not in text
    assert "appid=wx1" in text and "timestamp=1" in text


def test_the_root_handler_masks_too():
    root = logging.getLogger()
    assert any(
        isinstance(f, redaction.RedactSecretsFilter) for h in root.handlers for f in h.filters
    ) or not root.handlers  # pytest may replace the handlers; the loggers' own filter still runs
    assert any(isinstance(f, redaction.RedactSecretsFilter) for f in logging.getLogger("httpx").filters)
