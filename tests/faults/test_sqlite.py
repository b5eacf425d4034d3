"""The embedded default (SQLite, no Redis, local-memory cache, eager Celery) in a real server
process, through HTTP only:
- 24 ballots of one resident at once give one 201 and 409s, never `database is locked` (WAL,
  busy timeout, BEGIN IMMEDIATE: backend/settings/database.py);
- its throttles count in the local-memory cache and refuse with 429, Retry-After and a code;
- its login lock-out lives in this process's LocalTTLStore and refuses with 429 `login_locked`;
- residents submitting appeals and casting ballots at once get 2xx/4xx, never 500, and what
  they were told was stored is all there afterwards.
(The Redis-backed paths, and their per-process fallback when Redis is down: tests/faults/test_redis.py,
tests/hardening/test_login.py.)"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from .conftest import Server, embedded_server

pytestmark = [pytest.mark.fault, pytest.mark.timeout(300)]

TREE = """
import json
from rest_framework_simplejwt.tokens import AccessToken
from grids.models import GridUnit
from tests.monthly.factories import candidates, make_round
from tests.residents.factories import ResidenceFactory, UserFactory
from tests.grids.factories import AssignmentFactory
district = GridUnit.objects.create(parent=None, level="district", code="410102", name="中原区")
street = GridUnit.objects.create(parent=district, level="street", code="410102001", name="街道")
community = GridUnit.objects.create(parent=street, level="community", code="410102001001", name="社区")
grid = GridUnit.objects.create(parent=community, level="grid", code="410102001001001", name="网格")
micro = GridUnit.objects.create(parent=grid, level="micro", code="410102001001001001", name="1号楼")
staff = UserFactory(username="staff")
AssignmentFactory(user=staff, unit=street, role="staff")
def token(user): return str(AccessToken.for_user(user))
"""

ONE_VOTER = (
    TREE
    + """
voter = UserFactory(username="voter")
ResidenceFactory(user=voter, grid=micro)
round_ = make_round(scope=street, staff=staff, open_voting=True)
print(json.dumps({"round": round_.pk, "choice": candidates(round_)[0].pk, "token": token(voter)}))
"""
)

RESIDENTS = 4
PASSWORD = "Pa55word!x"  # tests/residents/factories.py
NEIGHBOURHOOD = (
    TREE
    + f"""
residents = [UserFactory(username=f"resident{{i}}") for i in range({RESIDENTS})]
for resident in residents:
    ResidenceFactory(user=resident, grid=micro)
hammer = UserFactory(username="hammer")
ResidenceFactory(user=hammer, grid=micro)
for name in ("locked", "other", "signin"):
    UserFactory(username=name)
round_ = make_round(scope=street, staff=staff, open_voting=True, visibility="live")
print(json.dumps({{
    "round": round_.pk,
    "choice": candidates(round_)[0].pk,
    "staff": token(staff),
    "residents": [token(r) for r in residents],
    "hammer": token(hammer),
    "micro": micro.pk,
}}))
"""
)

# Low limits, so that a handful of requests reaches them. NUM_PROXIES=1: the test plays the
# proxy and gives each test its own client address in X-Forwarded-For, so the per-address login
# throttle of one test does not refuse another's requests.
LIMITS = {
    "THROTTLE_LOGIN": "6/min",
    "THROTTLE_BALLOT": "3/min",
    "THROTTLE_ANON": "100000/min",
    "THROTTLE_USER": "100000/min",
    "LOGIN_MAX_FAILURES": "3",
    "LOGIN_LOCKOUT_SECONDS": "600",
    "NUM_PROXIES": "1",
}
_addresses = (f"10.20.{n // 250}.{n % 250 + 1}" for n in itertools.count())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def from_address() -> dict[str, str]:
    return {"X-Forwarded-For": next(_addresses)}


def until_refused(send: Callable[[], httpx.Response], *, limit: int) -> tuple[list[httpx.Response], httpx.Response]:
    """Send until a 429 comes back; return the answers before it and the refusal. A fixed window
    may roll over once in between (the count starts again), so 2*limit+1 tries always reach it."""
    answers: list[httpx.Response] = []
    for _ in range(2 * limit + 1):
        answer = send()
        if answer.status_code == 429:
            return answers, answer
        answers.append(answer)
    raise AssertionError(f"no 429 after {len(answers)} requests: {[a.status_code for a in answers]}")


def assert_throttled(answer: httpx.Response, *, code: str, window: int) -> None:
    assert answer.status_code == 429, answer.text
    assert 1 <= int(answer.headers["Retry-After"]) <= window, answer.headers
    assert answer.json()["error"]["code"] == code, answer.text


@pytest.fixture(scope="module")
def neighbourhood() -> Iterator[tuple[Server, dict[str, Any]]]:
    with embedded_server(NEIGHBOURHOOD, **LIMITS) as running:
        yield running


@pytest.fixture
def client(neighbourhood: tuple[Server, dict[str, Any]]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=neighbourhood[0].url, timeout=60) as client:
        yield client


def test_concurrent_ballots_on_sqlite_never_500():
    with embedded_server(ONE_VOTER, THROTTLE_BALLOT="100000/min", THROTTLE_USER="100000/min") as (server, data):
        barrier = threading.Barrier(24)
        answers: list[int] = []

        def cast() -> None:
            with httpx.Client(base_url=server.url, timeout=60) as client:
                barrier.wait()
                answer = client.post(
                    f"/api/v1/monthly/rounds/{data['round']}/ballot",
                    json={"choices": [data["choice"]]},
                    headers=bearer(data["token"]),
                )
                answers.append(answer.status_code)

        threads = [threading.Thread(target=cast) for _ in range(24)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert Counter(answers) == {201: 1, 409: 23}, (Counter(answers), server.log.read_text()[-3000:])


def test_login_throttle_counts_in_the_local_cache_per_address(client):
    address = from_address()

    def sign_in() -> httpx.Response:
        return client.post(
            "/api/v1/auth/password-login", json={"username": "signin", "password": PASSWORD}, headers=address
        )

    before, refused = until_refused(sign_in, limit=6)
    assert {a.status_code for a in before} == {200} and len(before) >= 6, [a.status_code for a in before]
    assert_throttled(refused, code="throttled", window=60)
    # Per address: another client signs in with the same account meanwhile.
    assert sign_in().status_code == 429
    other = client.post(
        "/api/v1/auth/password-login", json={"username": "signin", "password": PASSWORD}, headers=from_address()
    )
    assert other.status_code == 200, other.text


def test_ballot_throttle_counts_per_voter(client, neighbourhood):
    data = neighbourhood[1]

    def vote() -> httpx.Response:
        return client.post(
            f"/api/v1/monthly/rounds/{data['round']}/ballot",
            json={"choices": [data["choice"]]},
            headers=bearer(data["hammer"]),
        )

    before, refused = until_refused(vote, limit=3)
    codes = Counter(a.status_code for a in before)
    assert codes[201] == 1 and set(codes) <= {201, 409} and sum(codes.values()) >= 3, codes
    assert all(a.json()["error"]["code"] == "already_voted" for a in before if a.status_code == 409)
    assert_throttled(refused, code="throttled", window=60)
    mine = client.get(f"/api/v1/monthly/rounds/{data['round']}/my-ballot", headers=bearer(data["hammer"]))
    assert mine.status_code == 200 and [c["id"] for c in mine.json()["choices"]] == [data["choice"]], mine.text


def test_login_lockout_is_per_account_in_the_local_store(client):
    def sign_in(username: str, password: str) -> httpx.Response:
        # A new address each time: the lock-out follows the account, not the client.
        return client.post(
            "/api/v1/auth/password-login", json={"username": username, "password": password}, headers=from_address()
        )

    for _ in range(3):  # LOGIN_MAX_FAILURES
        wrong = sign_in("locked", "not-the-password")
        assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "invalid_credentials", wrong.text
    # Locked now: even the right password is refused, for what is left of LOGIN_LOCKOUT_SECONDS.
    locked = sign_in("locked", PASSWORD)
    assert_throttled(locked, code="login_locked", window=600)
    assert int(locked.headers["Retry-After"]) > 60, locked.headers  # the lock's TTL, not a throttle window
    assert sign_in("LOCKED ", PASSWORD).status_code == 429  # the same name, spelled otherwise
    # Another account is not locked; one failure of it is not a lock either.
    assert sign_in("other", "not-the-password").status_code == 400
    assert sign_in("other", PASSWORD).status_code == 200


def test_residents_submitting_at_once_never_500_and_nothing_told_stored_is_lost(neighbourhood):
    server, data = neighbourhood
    each = 3
    jobs: list[tuple[int, str]] = [(r, "appeal") for r in range(RESIDENTS) for _ in range(each)]
    jobs += [(r, "ballot") for r in range(RESIDENTS) for _ in range(2)]  # the second: already voted
    barrier = threading.Barrier(len(jobs))
    answers: list[tuple[int, str, httpx.Response]] = []
    lock = threading.Lock()

    def submit(resident: int, what: str, n: int) -> None:
        headers = bearer(data["residents"][resident])
        with httpx.Client(base_url=server.url, timeout=120) as client:
            barrier.wait()
            if what == "appeal":
                body = {"category": "environment", "title": f"楼道堆放杂物{n}", "description": "三单元楼道堆满纸箱。"}
                answer = client.post("/api/v1/appeals", json=body, headers=headers)
            else:
                body = {"choices": [data["choice"]]}
                answer = client.post(f"/api/v1/monthly/rounds/{data['round']}/ballot", json=body, headers=headers)
        with lock:
            answers.append((resident, what, answer))

    threads = [threading.Thread(target=submit, args=(*job, n)) for n, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(240)
    assert len(answers) == len(jobs)
    statuses = Counter((what, a.status_code) for _, what, a in answers)
    assert all(200 <= a.status_code < 500 for _, _, a in answers), (statuses, server.log.read_text()[-3000:])
    for _, _, answer in answers:
        if answer.status_code >= 400:
            assert answer.json()["error"]["code"], answer.text

    with httpx.Client(base_url=server.url, timeout=60) as client:
        # Every appeal a resident was given a 201 for is in their own list, and in the staff's.
        told: dict[int, set[int]] = {r: set() for r in range(RESIDENTS)}
        for resident, what, answer in answers:
            if what == "appeal" and answer.status_code == 201:
                told[resident].add(answer.json()["id"])
        for resident, ids in told.items():
            listed = client.get("/api/v1/appeals?page_size=100", headers=bearer(data["residents"][resident]))
            assert listed.status_code == 200, listed.text
            assert {a["id"] for a in listed.json()["results"]} == ids
        listed = client.get("/api/v1/appeals?page_size=100", headers=bearer(data["staff"]))
        assert {a["id"] for a in listed.json()["results"]} == set().union(*told.values())
        numbers = [a["number"] for a in listed.json()["results"]]
        assert len(set(numbers)) == len(numbers), numbers

        # One ballot per resident counted; each one told 201 has it as their ballot.
        voted = {r for r, what, a in answers if what == "ballot" and a.status_code == 201}
        assert len(voted) == statuses[("ballot", 201)]  # never two 201s for one resident
        results = client.get(f"/api/v1/monthly/rounds/{data['round']}/results", headers=bearer(data["staff"]))
        assert results.status_code == 200, results.text
        # test_ballot_throttle_counts_per_voter's voter, when that test ran first.
        hammer = client.get(f"/api/v1/monthly/rounds/{data['round']}/my-ballot", headers=bearer(data["hammer"]))
        assert results.json()["turnout"] == len(voted) + (hammer.status_code == 200), results.text
        for resident in voted:
            mine = client.get(
                f"/api/v1/monthly/rounds/{data['round']}/my-ballot", headers=bearer(data["residents"][resident])
            )
            assert [c["id"] for c in mine.json()["choices"]] == [data["choice"]], mine.text
    # Under the embedded default the burst is expected to be served in full, not refused.
    assert statuses[("appeal", 201)] == RESIDENTS * each, statuses
    assert statuses[("ballot", 201)] == RESIDENTS, statuses


def test_a_consultation_thread_reads_on_sqlite(client, neighbourhood):
    """The thread page's visibility check is one written-out statement: SQLite reads it too."""
    seeded = neighbourhood[1]
    author, neighbour = seeded["residents"][:2]
    made = client.post(
        "/api/v1/consultations",
        json={"grid": seeded["micro"], "title": "楼道灯不亮", "body": "三单元的楼道灯坏了一周，晚上上下楼看不见。"},
        headers=bearer(author),
    )
    assert made.status_code == 201, made.text
    for who in (author, neighbour, seeded["staff"]):
        page = client.get(f"/api/v1/consultations/{made.json()['id']}/posts", headers=bearer(who))
        assert page.status_code == 200, page.text
    assert client.get("/api/v1/consultations/999999/posts", headers=bearer(neighbour)).status_code == 404
