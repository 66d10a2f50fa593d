"""Sign-in limits cannot be turned against an account's owner (third security review).

Failures were counted per email only: anyone who knew an address could fail five times every
five minutes and keep its owner locked out. Now attempts are limited per (email, network) —
5 in 5 minutes, the old brute-force limit for any one source — and all networks together get at
most ``login_max_failures_per_email`` (20) password checks per window, so locking the owner out
takes more than four networks guessing at once. Counting stays "before the check", so parallel
bursts get no more checks than the limits."""

from __future__ import annotations

import re
import threading
from types import SimpleNamespace

from fastapi.testclient import TestClient

from gutskin.clinic import accounts
from gutskin.clinic.errors import AuthenticationFailed, RateLimited
from gutskin.store.db import transaction
from gutskin.web.security import client_network
from tests.conftest import People

OWNER = "owner@example.org"


def _from(client, ip: str) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(client.app, client=(ip, 40000))


def _token(c: TestClient, password: str, email: str = OWNER) -> int:
    return c.post("/api/v1/auth/token", json={"email": email, "password": password}).status_code


def _page_login(c: TestClient, password: str) -> int:
    form = c.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    return c.post("/login", data={"email": OWNER, "password": password, "csrf_token": token},
                  follow_redirects=False).status_code


def test_failing_for_someone_elses_email_does_not_lock_them_out(client, people) -> None:
    attacker, owner = _from(client, "203.0.113.7"), _from(client, "198.51.100.20")
    assert [_token(attacker, "a wrong guess") for _ in range(5)] == [401] * 5
    assert _token(attacker, People.password) == 429  # the attacker's network is limited, even with the password ...
    assert _page_login(attacker, People.password) == 429
    assert _token(owner, People.password) == 200  # ... the owner, elsewhere, is not
    assert _page_login(owner, People.password) == 303


def test_refused_attempts_do_not_count_towards_the_per_email_cap(client, people) -> None:
    attacker, owner = _from(client, "203.0.113.7"), _from(client, "198.51.100.20")
    codes = [_token(attacker, f"guess {i}") for i in range(60)]
    assert codes.count(401) == 5 and codes.count(429) == 55
    assert _token(owner, People.password) == 200


def test_many_networks_together_get_at_most_the_per_email_cap_of_checks(client, people) -> None:
    codes = []
    for n in range(8):  # 8 networks x 5 guesses = 40 > 20
        c = _from(client, f"192.0.2.{n + 1}")
        codes += [_token(c, f"guess {n}-{i}") for i in range(5)]
    assert codes.count(401) == 20 and codes.count(429) == 20, codes
    assert _token(_from(client, "198.51.100.20"), People.password) == 429  # the cap holds for everyone: the trade-off
    assert _token(_from(client, "198.51.100.20"), People.password, "stranger@example.org") == 200  # per email


def test_one_ipv6_host_cannot_rotate_addresses_inside_its_64(client, people) -> None:
    codes = [_token(_from(client, f"2001:db8:aa:bb::{i + 1:x}"), "a wrong guess") for i in range(7)]
    assert codes == [401] * 5 + [429] * 2
    assert _token(_from(client, "2001:db8:aa:cc::1"), People.password) == 200  # another /64


def test_the_network_of_a_request() -> None:
    def net(host: str | None) -> str:
        return client_network(SimpleNamespace(client=SimpleNamespace(host=host) if host is not None else None))

    assert net("203.0.113.7") == "203.0.113.7"
    assert net("::ffff:203.0.113.7") == "203.0.113.7"  # a v4 client on a dual-stack socket
    assert net("2001:db8:1:2:3:4:5:6") == net("2001:db8:1:2::9") == "2001:db8:1:2::/64"
    assert net("2001:db8:1:3::1") != net("2001:db8:1:2::1")
    assert net(None) == "unknown" and net("testclient") == "testclient"


def _attempt(engine, email: str, password: str, network: str):  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        accounts.record_login_attempt(s, email, network)
    with transaction(engine) as s:
        accounts.admit_login_attempt(s, email, network)
    with transaction(engine) as s:
        return accounts.authenticate(s, email, password, network=network, max_failures_per_email=20)


def test_a_parallel_burst_from_many_networks_gets_at_most_the_cap(engine, people) -> None:
    outcomes: list[str] = []
    start = threading.Barrier(40)

    def guess(i: int) -> None:
        start.wait()
        try:
            _attempt(engine, OWNER, "a wrong guess", f"net-{i % 8}")
        except RateLimited:
            outcomes.append("limited")
        except AuthenticationFailed:
            outcomes.append("checked")

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 40
    assert outcomes.count("checked") <= 20, outcomes


def test_old_attempts_are_pruned_and_recent_ones_still_count(client, people, engine) -> None:
    """Every sign-in with a made-up address stayed in ``login_attempts`` for ever (an anonymous
    way to grow the database without bound); rows older than the longest window go now."""
    import datetime as dt

    from sqlalchemy import func, insert, select

    from gutskin.store.models import LoginAttempt, utcnow

    old = utcnow() - dt.timedelta(hours=2)
    with transaction(engine) as s:
        s.execute(insert(LoginAttempt), [{"key": f"{i:064x}", "at": old} for i in range(1500)])

    def rows() -> tuple[int, int]:
        with transaction(engine) as s:
            return (s.scalar(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.at < old + dt.timedelta(minutes=1))) or 0,
                    s.scalar(select(func.count()).select_from(LoginAttempt)) or 0)

    assert rows()[0] == 1500
    owner = _from(client, "198.51.100.20")
    assert _token(owner, People.password) == 200
    assert rows()[0] == 500  # the oldest 1,000 went with that sign-in ...
    assert _token(owner, People.password) == 200
    assert rows()[0] == 0  # ... and the rest with the next
    attacker = _from(client, "203.0.113.7")
    assert [_token(attacker, "a wrong guess") for _ in range(5)] == [401] * 5
    assert _token(attacker, People.password) == 429  # recent attempts are kept and counted
    assert rows()[1] >= 7
