"""A client generated from the published schema with openapi-python-client (pinned) works end
to end: every module imports, it logs in, and it pages through a list by its cursors."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.residents.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client_package(tmp_path: Any) -> Any:
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))
    config = tmp_path / "config.yaml"
    config.write_text(
        "package_name_override: yuandian_client\nproject_name_override: yuandian-client\npost_hooks: []\n"
    )
    out = tmp_path / "gen" / "yuandian_client"
    command = ["generate", "--path", str(schema), "--output-path", str(out), "--meta", "none", "--config", str(config)]
    result = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", *command],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(tmp_path / "gen"))
    try:
        yield importlib.import_module("yuandian_client")
    finally:
        sys.path.remove(str(tmp_path / "gen"))
        for name in [m for m in sys.modules if m == "yuandian_client" or m.startswith("yuandian_client.")]:
            del sys.modules[name]


def test_generated_client_imports_logs_in_and_pages(client_package, live_server, tree):
    package = client_package
    broken = []
    for module in pkgutil.walk_packages(package.__path__, prefix="yuandian_client."):
        try:
            importlib.import_module(module.name)
        except Exception as exc:
            broken.append(f"{module.name}: {exc}")
    assert not broken, broken

    from yuandian_client import AuthenticatedClient, Client
    from yuandian_client.api.auth import auth_password_login_create
    from yuandian_client.api.grids import grids_list
    from yuandian_client.models import Error, ResidentsPasswordLoginApiInRequest

    UserFactory(username="console-user")  # password from the factory
    anonymous = Client(base_url=live_server.url)
    wrong = auth_password_login_create.sync(
        client=anonymous, body=ResidentsPasswordLoginApiInRequest(username="console-user", password="nope-nope")
    )
    assert isinstance(wrong, Error) and wrong.error.code == "invalid_credentials"
    login = auth_password_login_create.sync(
        client=anonymous, body=ResidentsPasswordLoginApiInRequest(username=tree.admin.username, password="Pa55word!x")
    )
    assert login is not None and not isinstance(login, Error), login

    api = AuthenticatedClient(base_url=live_server.url, token=login.access)
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        page = grids_list.sync(client=api, page_size=3, **({"cursor": cursor} if cursor else {}))
        assert not isinstance(page, Error) and page is not None, page
        seen += [unit.id for unit in page.results]
        pages += 1
        if not page.next_:
            break
        cursor = parse_qs(urlsplit(page.next_).query)["cursor"][0]
    assert pages >= 3 and len(seen) == len(set(seen)) == 13  # the tree's units, each once
