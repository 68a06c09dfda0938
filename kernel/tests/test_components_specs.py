"""Declarative components: dump/load, versions, secrets, AutoGen specs, refusals, formats."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, Field
from retinue import ComponentError, ComponentLoadError, SecretNotFoundError
from retinue._secrets import Secret, secret_from_env, secret_value
from retinue.components import Component, ComponentModel, dump_component, load_component
from retinue.testing import ProvidersPlugin, isolated_registry


class GreeterConfig(BaseModel):
    greeting: str
    times: int = Field(default=1, ge=1)
    api_key: Secret | None = None


class Greeter(Component[GreeterConfig]):
    """Greets people.

    More details that are not part of the description.
    """

    component_kind = "tool"
    component_provider = "greeter"
    component_version = 2
    component_config_schema = GreeterConfig

    def __init__(self, greeting: str, times: int = 1, api_key: Any = None) -> None:
        self.greeting = greeting
        self.times = times
        self.api_key = api_key

    def _to_config(self) -> GreeterConfig:
        return GreeterConfig(greeting=self.greeting, times=self.times, api_key=self.api_key)

    @classmethod
    def _from_config(cls, config: GreeterConfig) -> Greeter:
        return cls(config.greeting, config.times, config.api_key)

    @classmethod
    def _from_config_past_version(cls, config: dict[str, Any], version: int) -> Greeter:
        # version 1 called the field "text"
        return cls._from_config(GreeterConfig(greeting=config["text"]))


class NotAComponent:
    pass


@pytest.fixture
def registry() -> Any:
    plugin = (
        ProvidersPlugin()
        .add("tool", "greeter", Greeter, aliases=["legacy_pkg.tools.Greeter"])
        .add("tool", "plain", NotAComponent)
    )
    return isolated_registry(plugin)


def test_dump_writes_provider_kind_version_label_and_description() -> None:
    spec = dump_component(Greeter("hi", 2))
    assert spec == ComponentModel(
        provider="greeter",
        kind="tool",
        version=2,
        label="Greeter",
        description="Greets people.",
        config={"greeting": "hi", "times": 2},
    )


def test_round_trip_from_model_mapping_and_json(registry: Any) -> None:
    spec = Greeter("hi", 3).dump_component()
    for form in (spec, spec.model_dump(), spec.model_dump_json()):
        loaded = load_component(form, Greeter, registry=registry)
        assert (loaded.greeting, loaded.times) == ("hi", 3)


def test_yaml_text_and_files_load(registry: Any, tmp_path: Path) -> None:
    text = "provider: greeter\nkind: tool\nversion: 2\nconfig:\n  greeting: hey\n"
    assert load_component(text, registry=registry).greeting == "hey"
    yaml_file = tmp_path / "greeter.yaml"
    yaml_file.write_text(text)
    assert load_component(yaml_file, registry=registry).greeting == "hey"
    assert load_component(str(yaml_file), registry=registry).greeting == "hey"
    json_file = tmp_path / "greeter.json"
    json_file.write_text(
        json.dumps({"provider": "greeter", "version": 2, "config": {"greeting": "yo"}})
    )
    assert load_component(json_file, registry=registry).greeting == "yo"


def test_older_config_versions_migrate(registry: Any) -> None:
    spec = {"provider": "greeter", "kind": "tool", "version": 1, "config": {"text": "old"}}
    assert load_component(spec, registry=registry).greeting == "old"


def test_invalid_old_config_names_the_field_and_never_echoes_values(registry: Any) -> None:
    spec = {"provider": "greeter", "version": 1, "config": {"text": ["sk-clear-value"]}}
    with pytest.raises(
        ComponentLoadError, match=r"greeting: Input should be a valid string"
    ) as info:
        load_component(spec, registry=registry)
    assert "sk-clear-value" not in str(info.value)
    assert load_component({**spec, "config": {"text": "ok"}}, registry=registry).greeting == "ok"


def test_newer_config_versions_are_refused(registry: Any) -> None:
    spec = {"provider": "greeter", "version": 3, "config": {"greeting": "x"}}
    with pytest.raises(ComponentLoadError, match=r"version 3, newer than .* upgrade the plugin"):
        load_component(spec, registry=registry)


def test_autogen_spec_loads_through_an_alias(registry: Any) -> None:
    spec = {
        "provider": "legacy_pkg.tools.Greeter",
        "component_type": "tool",
        "version": 1,
        "component_version": 2,
        "label": "Greeter",
        "config": {"greeting": "from autogen"},
    }
    assert load_component(spec, registry=registry).greeting == "from autogen"


def test_unregistered_dotted_provider_is_refused_without_importing(registry: Any) -> None:
    spec = {"provider": "os.system", "kind": "tool", "config": {}}
    with pytest.raises(ComponentLoadError, match=r"no tool provider named 'os\.system'") as info:
        load_component(spec, registry=registry)
    assert "allow_imports" in str(info.value)


def test_allowed_dotted_provider_is_imported(registry: Any) -> None:
    spec = {
        "provider": f"{__name__}.Greeter",
        "kind": "tool",
        "version": 2,
        "config": {"greeting": "allowed"},
    }
    loaded = load_component(spec, registry=registry, allow_imports=[__name__])
    assert loaded.greeting == "allowed"


def test_invalid_config_names_the_field_path(registry: Any) -> None:
    spec = {"provider": "greeter", "version": 2, "config": {"greeting": "x", "times": 0}}
    with pytest.raises(
        ComponentLoadError, match=r"times: Input should be greater than or equal to 1"
    ):
        load_component(spec, registry=registry)
    # the registry keeps working after a bad spec
    assert load_component({**spec, "config": {"greeting": "x"}}, registry=registry).times == 1


def test_malformed_specs_fail_clearly(registry: Any) -> None:
    with pytest.raises(ComponentLoadError, match="provider: Field required"):
        load_component({"config": {}}, registry=registry)
    with pytest.raises(ComponentLoadError, match="not valid JSON"):
        load_component('{"provider": ', registry=registry)
    with pytest.raises(ComponentLoadError, match="is a list of 2 item"):
        load_component("[1, 2]", registry=registry)
    with pytest.raises(ComponentLoadError, match="unknown component kind 'gadget'"):
        load_component({"provider": "greeter", "kind": "gadget"}, registry=registry)
    with pytest.raises(ComponentLoadError, match="cannot read component spec"):
        load_component(Path("/nonexistent/spec.yaml"), registry=registry)
    with pytest.raises(ComponentLoadError, match="not a retinue Component"):
        load_component({"provider": "plain", "kind": "tool"}, registry=registry)


def test_invalid_yaml_says_where_without_quoting_the_line(registry: Any) -> None:
    text = "provider: greeter\nconfig:\n  greeting: hi\n  api_key: sk-clear-yaml: [oops\n"
    with pytest.raises(
        ComponentLoadError, match="not valid YAML: mapping values are not allowed here at line 4"
    ) as info:
        load_component(text, registry=registry)
    assert "sk-clear-yaml" not in str(info.value)
    assert load_component(
        "provider: greeter\nversion: 2\nconfig: {greeting: hi}", registry=registry
    )


def test_wrong_expected_type_is_refused(registry: Any) -> None:
    spec = Greeter("hi").dump_component()
    with pytest.raises(ComponentLoadError, match="builds a Greeter, but a int was expected"):
        load_component(spec, int, registry=registry)


def test_secrets_dump_as_environment_references_and_resolve_on_load(
    registry: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GREETER_KEY", "s3cret-value")
    greeter = Greeter("hi", api_key=secret_from_env(None, "GREETER_KEY"))
    spec = greeter.dump_component()
    assert spec.config["api_key"] == {"env": "GREETER_KEY"}
    assert "s3cret-value" not in spec.model_dump_json()
    loaded = load_component(spec, Greeter, registry=registry)
    # not a mask: the real value comes back
    assert secret_value(loaded.api_key) == "s3cret-value"
    assert loaded.dump_component().config["api_key"] == {"env": "GREETER_KEY"}


def test_clear_secrets_are_never_written(registry: Any) -> None:
    greeter = load_component(
        {"provider": "greeter", "version": 2, "config": {"greeting": "x", "api_key": "clear"}},
        Greeter,
        registry=registry,
    )
    assert secret_value(greeter.api_key) == "clear"
    with pytest.raises(ComponentError, match="never writes secrets"):
        greeter.dump_component()


def test_an_unset_secret_variable_loads_and_dumps_and_fails_at_first_use(
    registry: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GREETER_KEY", raising=False)
    spec = {
        "provider": "greeter",
        "version": 2,
        "config": {"greeting": "x", "api_key": {"env": "GREETER_KEY"}},
    }
    # Loaded, inspected and dumped without the variable: it is read on first use.
    greeter = load_component(spec, registry=registry)
    assert greeter.dump_component().config["api_key"] == {"env": "GREETER_KEY"}
    with pytest.raises(SecretNotFoundError, match="export GREETER_KEY"):
        greeter.api_key.get_secret_value()
    monkeypatch.setenv("GREETER_KEY", "from-the-environment")
    assert greeter.api_key.get_secret_value() == "from-the-environment"


def test_objects_that_are_not_components_cannot_be_dumped() -> None:
    with pytest.raises(ComponentError, match="not a component"):
        dump_component(NotAComponent())  # type: ignore[arg-type]

    class Anonymous(Greeter):
        component_provider = None

    with pytest.raises(ComponentError, match="no component_provider"):
        Anonymous("x").dump_component()


def test_classmethod_load_checks_the_class(registry: Any) -> None:
    spec = Greeter("hi").dump_component()
    assert Greeter.load_component(spec, registry=registry).greeting == "hi"


def test_errors_in_nested_specs_name_where_they_are() -> None:
    spec = {
        "provider": "static",
        "kind": "workbench",
        "config": {
            "tools": [
                {"provider": "function", "kind": "tool", "config": {"name": "x"}},
            ]
        },
    }
    with pytest.raises(
        ComponentLoadError, match=r"config\.tools\[0\]\.config\.description: Field required"
    ):
        load_component(spec, registry=isolated_registry(), trust_code=True)


def test_errors_in_combined_termination_conditions_name_the_condition() -> None:
    spec = {
        "provider": "or",
        "kind": "termination",
        "config": {"conditions": [{"provider": "no_such_condition", "kind": "termination"}]},
    }
    with pytest.raises(ComponentLoadError, match=r"^config\.conditions\[0\]: .*no_such_condition"):
        load_component(spec, registry=isolated_registry())


def test_a_masked_secret_reads_as_a_reference_to_the_standard_variable() -> None:
    from retinue import masked_secret_as_env, refuse_masked_secret

    assert masked_secret_as_env("**********", "OPENAI_API_KEY") == {"env": "OPENAI_API_KEY"}
    assert masked_secret_as_env("sk-real", "OPENAI_API_KEY") == "sk-real"
    assert masked_secret_as_env(None, "OPENAI_API_KEY") is None
    with pytest.warns(DeprecationWarning, match="masked_secret_as_env"):
        assert refuse_masked_secret("****", "X_KEY") == {"env": "X_KEY"}


def test_a_masked_secret_without_a_standard_variable_is_refused(registry: Any) -> None:
    # A mask where no variable is known (here a Secret field without one) would send
    # asterisks as the secret: refused, saying what to write.
    spec = {"provider": "greeter", "version": 2, "config": {"greeting": "x", "api_key": "****"}}
    with pytest.raises(ComponentLoadError, match=r'\{"env": "VARIABLE_NAME"\}'):
        load_component(spec, registry=registry)
