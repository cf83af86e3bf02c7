"""Settings precedence: explicit values over the environment over defaults."""

from __future__ import annotations

from pathlib import Path

from briefing.settings import Settings


def test_defaults_use_the_embedded_model() -> None:
    settings = Settings.from_env({})
    assert settings.base_url is None and settings.model is None and settings.api_key is None


def test_environment_fills_settings_with_briefing_variables_first() -> None:
    settings = Settings.from_env(
        {
            "OPENAI_BASE_URL": "http://openai.example/v1",
            "BRIEFING_BASE_URL": "http://127.0.0.1:8080/v1",
            "BRIEFING_MODEL": "qwen",
            "OPENAI_API_KEY": "k",
            "BRIEFING_CACHE_DIR": "/tmp/briefing-cache",
        }
    )
    assert settings.base_url == "http://127.0.0.1:8080/v1"
    assert settings.model == "qwen"
    assert settings.api_key == "k"
    assert settings.cache_dir == Path("/tmp/briefing-cache")


def test_openai_base_url_is_used_when_briefing_has_none() -> None:
    assert Settings.from_env({"OPENAI_BASE_URL": "http://x/v1"}).base_url == "http://x/v1"


def test_explicit_values_override_the_environment_and_none_does_not() -> None:
    settings = Settings.from_env(
        {"BRIEFING_MODEL": "from-env", "BRIEFING_BASE_URL": "http://env/v1"},
        model="from-flag",
        base_url=None,
    )
    assert settings.model == "from-flag"
    assert settings.base_url == "http://env/v1"
