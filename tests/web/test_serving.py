"""The app as ``gutskin serve`` builds it: start-up objects are frozen out of the cyclic GC."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient

from tests.conftest import TEST_SECRET


def test_serving_app_freezes_startup_objects(sqlite_url, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from gutskin.commands import serve
    from gutskin.web import create_serving_app

    monkeypatch.setenv("GUTSKIN_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("GUTSKIN_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("GUTSKIN_ENV", "test")
    gc.unfreeze()
    try:
        app = create_serving_app()
        assert gc.get_freeze_count() == 0  # frozen at start-up (lifespan), not at import
        with TestClient(app) as c:
            assert gc.get_freeze_count() > 10_000  # the framework, ORM and templates
            assert c.get("/healthz").status_code == 200
    finally:
        gc.unfreeze()
    # and `gutskin serve` runs exactly this factory
    import inspect

    assert '"gutskin.web:create_serving_app"' in inspect.getsource(serve.serve)


def test_a_bug_answers_with_the_sites_error_page_not_a_traceback(settings) -> None:  # type: ignore[no-untyped-def]
    from gutskin.web import create_app

    app = create_app(settings)

    def boom() -> None:
        raise RuntimeError("secret internals: patient 42")

    app.add_api_route("/boom", boom)
    app.add_api_route("/api/v1/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as c:
        page = c.get("/boom")
        api = c.get("/api/v1/boom")
    assert page.status_code == 500 and "text/html" in page.headers["content-type"]
    assert "Something went wrong on our side" in page.text and "/static/app.css" in page.text  # the styled page
    assert "secret internals" not in page.text and "Traceback" not in page.text
    assert api.status_code == 500 and api.json() == {"detail": "internal error"}


def test_logged_factors_read_as_labels_with_units() -> None:
    from gutskin.web.pages.common import factor_text

    assert factor_text("food.dairy", 1) == "Dairy"  # a chip: had it
    assert factor_text("env.pollen", 40.0) == "Pollen 40 grains/m³"
    assert factor_text("env.temperature", -2.5) == "Temperature −2.5 °C"  # a minus sign, not a hyphen
    assert factor_text("env.pollen", 1.0) == "Pollen 1 grain/m³"  # the unit agrees with the number
    assert factor_text("life.stress", 1.0) == "Stress 1"  # a rating always shows its value
    assert factor_text("gut.bristol", 4.0) == "Stool type (Bristol) 4"  # "type 1-7" is a range, not a unit
    assert factor_text("treat.emollient", 3.0) == "Emollient ×3"
    assert factor_text("food.tomato", 1) == "Tomato"  # a custom chip
