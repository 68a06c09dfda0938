"""Spec loading fails only with typed errors that never show a secret and stay short.

Every failure of ``load_component``/``parse_spec``/``ComponentModel`` is a
``RetinueError``; its message, its formatted traceback and its cause chain hold no
secret written in the spec; echoed input is bounded; hostile input (deep nesting,
huge numbers, YAML alias cycles and bombs, bad files) is refused with a message
that says what to do.
"""

from __future__ import annotations

import json
import string
import traceback
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st
from pydantic import BaseModel, ConfigDict
from retinue import (
    ComponentError,
    ComponentLoadError,
    RetinueError,
    SecretNotFoundError,
    bounded_repr,
    dump_component,
)
from retinue._secrets import Secret, secret_value
from retinue.components import Component, ComponentModel, load_component, parse_spec
from retinue.testing import ProvidersPlugin, isolated_registry

SECRET = "sk-proj-PLANTEDsecret0123456789abcdef"


class KeyedConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str
    api_key: Secret | None = None
    temperature: float | None = None


class KeyedClient(Component[KeyedConfig]):
    """A component holding a key, whose constructor (like some SDKs) echoes a bad key."""

    component_kind = "model_client"
    component_provider = "keyed"
    component_config_schema = KeyedConfig

    def __init__(self, model: str, api_key: Any = None, temperature: float | None = None) -> None:
        key = secret_value(api_key)
        if key is not None and key.endswith("bad"):
            raise ValueError(f"the key {key} was rejected")
        self.model = model
        self.api_key = api_key

    def _to_config(self) -> KeyedConfig:
        return KeyedConfig(model=self.model, api_key=self.api_key)

    @classmethod
    def _from_config(cls, config: KeyedConfig) -> KeyedClient:
        return cls(config.model, config.api_key, config.temperature)


class HalfBuilt(Component[KeyedConfig]):
    component_kind = "model_client"
    component_provider = "half_built"
    component_config_schema = KeyedConfig

    def _to_config(self) -> KeyedConfig:
        return KeyedConfig(model=self.model)  # type: ignore[attr-defined]


@pytest.fixture
def registry() -> Any:
    return isolated_registry(ProvidersPlugin().add("model_client", "keyed", KeyedClient))


def failure(action: Any, secret: str = SECRET) -> RetinueError:
    """Run ``action``; it must raise a RetinueError with no trace of ``secret`` anywhere."""
    with pytest.raises(RetinueError) as caught:
        action()
    error = caught.value
    formatted = "".join(traceback.format_exception(error))
    assert secret not in formatted
    assert secret not in str(error)
    assert error.__cause__ is None and error.__context__ is None
    return error


# --- 1. secrets never reach a message, a traceback or a cause ------------------------


def test_a_yaml_syntax_error_on_the_keys_line_does_not_show_the_key(registry: Any) -> None:
    text = f"provider: keyed\nconfig:\n  model: m\n  api_key: {SECRET}: oops\n"
    error = failure(lambda: load_component(text, registry=registry))
    assert isinstance(error, ComponentLoadError)
    assert "line 4" in str(error)


def test_a_yaml_tag_holding_the_key_is_not_quoted(registry: Any) -> None:
    text = f"provider: keyed\nconfig:\n  api_key: !{SECRET} x\n"
    failure(lambda: load_component(text, registry=registry))


@pytest.mark.parametrize("bad_key", [[SECRET], {"value": SECRET}, {"env": SECRET, "x": 1}])
def test_a_key_of_the_wrong_shape_does_not_show_the_key(registry: Any, bad_key: Any) -> None:
    spec = {"provider": "keyed", "config": {"model": "m", "api_key": bad_key}}
    error = failure(lambda: load_component(spec, registry=registry))
    assert "api_key" in str(error)


def test_a_key_in_an_unknown_field_does_not_show_the_key(registry: Any) -> None:
    spec = {"provider": "keyed", "config": {"model": "m", "openai_key": SECRET}}
    error = failure(lambda: load_component(spec, registry=registry))
    assert "config.openai_key: unknown key; did you mean 'api_key'?" in str(error)


def test_a_key_pasted_as_an_environment_reference_is_not_shown(registry: Any) -> None:
    spec = {"provider": "keyed", "config": {"model": "m", "api_key": {"env": SECRET}}}
    error = failure(lambda: load_component(spec, registry=registry))
    assert isinstance(error, SecretNotFoundError)
    assert '{"env": "OPENAI_API_KEY"}' in str(error)


def test_an_unset_variable_with_a_conventional_name_is_still_named(
    registry: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KEYED_API_KEY", raising=False)
    spec = {"provider": "keyed", "config": {"model": "m", "api_key": {"env": "KEYED_API_KEY"}}}
    error = failure(lambda: load_component(spec, registry=registry))
    assert "export KEYED_API_KEY" in str(error)


def test_a_constructor_echoing_the_key_is_redacted(registry: Any) -> None:
    key = SECRET + "bad"
    spec = {"provider": "keyed", "config": {"model": "m", "api_key": key}}
    error = failure(lambda: load_component(spec, registry=registry), secret=key)
    assert "could not be built" in str(error) and "**********" in str(error)


def test_a_bad_empty_env_reference_is_a_component_load_error(registry: Any) -> None:
    spec = {"provider": "keyed", "config": {"model": "m", "api_key": {"env": ""}}}
    error = failure(lambda: load_component(spec, registry=registry))
    assert isinstance(error, ComponentLoadError)


# --- 2. echoed input is bounded ------------------------------------------------------


def test_bounded_repr_cuts_long_values_and_says_how_long() -> None:
    assert bounded_repr("short") == "'short'"
    cut = bounded_repr("x" * 10_000)
    assert len(cut) < 120 and "(10002 chars)" in cut


def test_a_huge_provider_name_makes_a_short_message(registry: Any) -> None:
    error = failure(lambda: load_component({"provider": "p" * 10_000_000}, registry=registry))
    assert len(str(error)) < 2_000


def test_a_huge_kind_makes_a_short_message(registry: Any) -> None:
    spec = {"provider": "keyed", "kind": "k" * 1_000_000}
    error = failure(lambda: load_component(spec, registry=registry))
    assert len(str(error)) < 2_000


def test_a_huge_unknown_field_name_makes_a_short_message(registry: Any) -> None:
    spec = {"provider": "keyed", "config": {"model": "m", "f" * 1_000_000: 1}}
    error = failure(lambda: load_component(spec, registry=registry))
    assert len(str(error)) < 2_000


# --- 3. hostile input: typed errors that say what to do -------------------------------


@pytest.mark.parametrize("component_type", [["model"], {"model": 1}, 5])
def test_a_component_type_that_is_not_text(registry: Any, component_type: Any) -> None:
    spec = {"provider": "keyed", "component_type": component_type, "config": {"model": "m"}}
    error = failure(lambda: load_component(spec, registry=registry))
    assert "kind" in str(error)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"provider": "keyed", "config": {"model": "m", "x": ' + "[" * 5_000 + "]" * 5_000 + "}}",
        "provider: keyed\nconfig: " + "[" * 5_000 + "]" * 5_000 + "\n",
        "provider: keyed\nconfig: &loop\n  again: *loop\n",
    ],
    ids=["json", "json-in-config", "yaml", "yaml-alias-cycle"],
)
def test_nesting_too_deep_is_refused(registry: Any, text: str) -> None:
    error = failure(lambda: load_component(text, registry=registry))
    assert "nested more than" in str(error)


def test_a_deep_mapping_is_refused(registry: Any) -> None:
    deep: Any = "leaf"
    for _ in range(50_000):
        deep = {"x": deep}
    spec = {"provider": "keyed", "config": {"model": "m", "x": deep}}
    error = failure(lambda: load_component(spec, registry=registry))
    assert "nested more than" in str(error)


def test_a_yaml_alias_bomb_is_refused(registry: Any) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([previous] * 10)}]")
    text = "provider: keyed\nconfig:\n" + "\n".join("  " + line for line in lines) + "\n"
    error = failure(lambda: load_component(text, registry=registry))
    assert "more than" in str(error) and "values" in str(error)


@pytest.mark.parametrize(
    "text",
    [
        '{"provider": "keyed", "version": ' + "9" * 5_000 + "}",
        "provider: k\nversion: " + "9" * 5_000,
    ],
    ids=["json", "yaml"],
)
def test_a_number_with_too_many_digits_is_refused(registry: Any, text: str) -> None:
    error = failure(lambda: load_component(text, registry=registry))
    assert "digits" in str(error) and "string" in str(error)


def test_spec_files_that_cannot_be_used(registry: Any, tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("provider: caf\xe9\n".encode("latin-1"))
    assert "save it as UTF-8" in str(failure(lambda: load_component(latin1, registry=registry)))
    directory = tmp_path / "folder.json"
    directory.mkdir()
    assert "is a directory" in str(failure(lambda: load_component(directory, registry=registry)))
    with_nul = str(tmp_path / "a\0b.yaml")
    assert "NUL" in str(failure(lambda: load_component(with_nul, registry=registry)))
    empty = tmp_path / "empty.yaml"
    empty.write_text("  \n")
    assert "is empty" in str(failure(lambda: load_component(empty, registry=registry)))
    missing = tmp_path / "missing.json"
    assert "does not exist" in str(failure(lambda: load_component(missing, registry=registry)))


def test_a_yaml_document_that_is_not_a_mapping_says_what_a_spec_looks_like() -> None:
    error = failure(lambda: parse_spec("- just\n- a list\n"))
    assert "is a list of 2 item(s)" in str(error) and '"provider"' in str(error)


# --- 6. the component model itself, and dumping ---------------------------------------


def test_component_model_with_wrong_field_types_is_a_component_load_error() -> None:
    error = failure(lambda: ComponentModel(provider=5, config=[SECRET]))  # type: ignore[arg-type]
    assert isinstance(error, ComponentLoadError) and "provider" in str(error)
    failure(lambda: ComponentModel.model_validate({"provider": [SECRET]}))
    failure(lambda: ComponentModel.model_validate_json(json.dumps({"provider": [SECRET]})))
    assert ComponentModel(provider="keyed").provider == "keyed"


def test_dumping_a_half_built_component_is_a_component_error() -> None:
    with pytest.raises(ComponentError, match="HalfBuilt"):
        dump_component(HalfBuilt())


def test_dumping_something_that_is_no_component_is_a_component_error() -> None:
    with pytest.raises(ComponentError, match="not a component"):
        dump_component(object())  # type: ignore[arg-type]


# --- 5a. property: any input gives a component or a RetinueError without the secret ----

_KEYS = ["provider", "kind", "component_type", "version", "config", "model", "api_key", "label"]
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(string.printable, max_size=12),
    st.sampled_from(["keyed", "model_client", "m", SECRET, {"env": SECRET}]),
)
_values = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(_KEYS), st.text(string.ascii_letters, max_size=8)),
            children,
            max_size=5,
        ),
    ),
    max_leaves=20,
)
_specs = st.fixed_dictionaries(
    {"provider": st.one_of(st.just("keyed"), _scalars)},
    optional={
        "kind": st.one_of(st.just("model_client"), _values),
        "component_type": _values,
        "version": _values,
        "config": st.one_of(
            st.fixed_dictionaries(
                {"model": st.one_of(st.just("m"), _values)},
                optional={"api_key": _values, "temperature": _values, "extra": _values},
            ),
            _values,
        ),
    },
)
_property = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _loads_or_fails_cleanly(spec: Any, registry: Any) -> None:
    try:
        loaded = load_component(spec, registry=registry)
    except RetinueError as error:
        formatted = "".join(traceback.format_exception(error))
        assert SECRET not in formatted and SECRET not in str(error)
        assert error.__cause__ is None and error.__context__ is None
    else:
        assert isinstance(loaded, KeyedClient)


@_property
@given(spec=_specs)
def test_any_mapping_loads_or_fails_with_a_clean_typed_error(spec: dict[str, Any]) -> None:
    _loads_or_fails_cleanly(
        spec, isolated_registry(ProvidersPlugin().add("model_client", "keyed", KeyedClient))
    )


@_property
@given(spec=_specs, as_yaml=st.booleans(), cut=st.integers(min_value=0, max_value=400))
def test_any_text_loads_or_fails_with_a_clean_typed_error(
    spec: dict[str, Any], as_yaml: bool, cut: int
) -> None:
    text = yaml.safe_dump(spec) if as_yaml else json.dumps(spec)
    # A cut anywhere (inside the secret too) makes a syntax error near the key.
    for candidate in (text, text[:cut]):
        if candidate.strip():
            _loads_or_fails_cleanly(
                candidate,
                isolated_registry(ProvidersPlugin().add("model_client", "keyed", KeyedClient)),
            )
