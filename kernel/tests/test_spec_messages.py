"""A wrong spec says what is wrong and where: each case is the input and the exact message."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict
from retinue import ComponentLoadError, ProviderNotFoundError, RetinueError
from retinue.chat import BaseAgentEvent, BaseChatMessage, TerminationCondition
from retinue.components import Component, load_component, parse_spec
from retinue.testing import ProvidersPlugin, isolated_registry


class Window(BaseModel):
    start: int = 0
    end: int = 10


class CountConfig(BaseModel):
    max_messages: int
    window: Window = Window()
    windows: list[Window] = []


class CountTermination(TerminationCondition):
    """Stops after a number of messages (a leaf condition to nest in ``or``)."""

    component_kind = "termination"
    component_provider = "count"
    component_config_schema = CountConfig
    component_ignored_keys = {"legacy_flag": "an older writer's key, without effect"}

    def __init__(self, max_messages: int) -> None:
        self.max_messages = max_messages
        self.seen = 0

    @property
    def terminated(self) -> bool:
        return self.seen >= self.max_messages

    async def __call__(self, messages: Sequence[BaseAgentEvent | BaseChatMessage]) -> None:
        self.seen += len(messages)

    async def reset(self) -> None:
        self.seen = 0

    @classmethod
    def _from_config(cls, config: CountConfig) -> CountTermination:
        return cls(config.max_messages)


class StrictConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: str


class StrictTool(Component[StrictConfig]):
    """A tool whose config forbids extra keys itself."""

    component_kind = "tool"
    component_provider = "strict"
    component_config_schema = StrictConfig

    @classmethod
    def _from_config(cls, config: StrictConfig) -> StrictTool:
        return cls()


@pytest.fixture
def registry() -> Any:
    plugin = (
        ProvidersPlugin()
        .add("termination", "count", CountTermination)
        .add("tool", "strict", StrictTool)
    )
    return isolated_registry(plugin)


def message(registry: Any, spec: Any) -> str:
    with pytest.raises(RetinueError) as caught:
        load_component(spec, registry=registry)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    return str(caught.value)


def either(*conditions: dict[str, Any]) -> dict[str, Any]:
    return {"provider": "or", "kind": "termination", "config": {"conditions": list(conditions)}}


def count(**config: Any) -> dict[str, Any]:
    return {"provider": "count", "config": config}


def test_a_misspelled_spec_key_is_refused_with_the_nearest_name(registry: Any) -> None:
    assert message(registry, {"provider": "count", "confg": {"max_messages": 2}}) == (
        "invalid component spec:\n  confg: unknown key; did you mean 'config'?"
    )


def test_a_misspelled_config_key_names_its_full_path_and_the_key_meant(registry: Any) -> None:
    spec = either(count(max_messages=1), count(max_messages=2, window={"ned": 3}))
    assert message(registry, spec) == (
        "invalid config for 'count' (CountTermination):\n"
        "  config.conditions[1].config.window.ned: unknown key; did you mean 'end'?"
    )


def test_keys_in_lists_of_nested_models_are_checked_too(registry: Any) -> None:
    spec = count(max_messages=1, windows=[{"start": 1}, {"strat": 2}])
    assert message(registry, spec) == (
        "invalid config for 'count' (CountTermination):\n"
        "  config.windows[1].strat: unknown key; did you mean 'start'?"
    )


def test_a_key_far_from_every_name_lists_the_accepted_ones(registry: Any) -> None:
    assert message(registry, count(max_messages=1, colour="red")) == (
        "invalid config for 'count' (CountTermination):\n"
        "  config.colour: unknown key; the accepted keys are: max_messages, window, windows"
    )


def test_a_nested_spec_key_typo_names_the_nested_place(registry: Any) -> None:
    spec = either(count(max_messages=1), {"provider": "count", "confg": {}})
    assert message(registry, spec) == (
        "invalid component spec:\n  config.conditions[1].confg: unknown key; did you mean 'config'?"
    )


def test_a_missing_field_and_an_unknown_key_are_reported_together(registry: Any) -> None:
    spec = either(either(count(max_mesages=3)))
    assert message(registry, spec) == (
        "invalid config for 'count' (CountTermination):\n"
        "  config.conditions[0].config.conditions[0].config.max_messages: Field required\n"
        "  config.conditions[0].config.conditions[0].config.max_mesages: unknown key; "
        "did you mean 'max_messages'?"
    )


def test_an_unknown_nested_provider_says_where_it_is(registry: Any) -> None:
    spec = either(count(max_messages=1), {"provider": "cuont", "kind": "termination"})
    assert message(registry, spec) == (
        "config.conditions[1]: cannot load component: no termination provider named 'cuont' "
        "is registered. Did you mean 'count'? Available termination providers: and, count, or."
    )


def test_a_config_that_forbids_extra_keys_gets_one_line_naming_the_key_meant(
    registry: Any,
) -> None:
    assert message(registry, {"provider": "strict", "config": {"model": "m", "modle": "n"}}) == (
        "invalid config for 'strict' (StrictTool):\n"
        "  config.modle: unknown key; did you mean 'model'?"
    )


def test_declared_ignored_keys_load(registry: Any) -> None:
    loaded = load_component(count(max_messages=4, legacy_flag=True), registry=registry)
    assert isinstance(loaded, CountTermination) and loaded.max_messages == 4


def test_autogen_keys_of_nested_specs_are_read(registry: Any) -> None:
    nested = {"provider": "count", "component_type": "termination", "component_version": 1}
    loaded = load_component(either({**nested, "config": {"max_messages": 1}}), registry=registry)
    assert isinstance(loaded, TerminationCondition)


def test_an_unknown_key_that_is_a_credential_is_not_shown(registry: Any) -> None:
    key = "sk-proj-" + "A1b2C3d4" * 4
    text = message(registry, count(max_messages=1, **{key: "x"}))
    assert key not in text and "config.**********: unknown key" in text


def test_a_provider_of_another_kind_says_so_without_an_install_hint(registry: Any) -> None:
    with pytest.raises(ProviderNotFoundError) as caught:
        registry.load("tool", "count")
    assert str(caught.value) == (
        "no tool provider named 'count' is registered. 'count' is registered as kind "
        "termination, not tool: set kind: termination in its spec (or leave kind out)."
    )


def test_a_first_party_provider_names_its_real_distribution() -> None:
    with pytest.raises(ProviderNotFoundError) as caught:
        isolated_registry().load("code_executor", "aca")
    assert str(caught.value).endswith("It is provided by retinue-aca: pip install retinue-aca")


def test_an_autogen_client_retinue_has_not_ported_suggests_what_works_today() -> None:
    with pytest.raises(ProviderNotFoundError) as caught:
        isolated_registry().load(
            "model_client", "autogen_ext.models.ollama.OllamaChatCompletionClient"
        )
    text = str(caught.value)
    assert "retinue has no Ollama client yet" in text
    assert "provider: openai" in text and "http://localhost:11434/v1" in text
    assert "pip install" not in text and "RETINUE_COMPONENT_ALLOWLIST" not in text


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "# only a comment\n",
            "holds nothing (it is empty or only comments), but a component spec is a mapping",
        ),
        (
            "- provider: a\n- provider: b\n",
            "is a list of 2 item(s) (a YAML '- ' list or a JSON array), but a component spec "
            "is a mapping",
        ),
        ("just words\n", "is a single string, but a component spec is a mapping"),
    ],
)
def test_a_file_that_is_not_a_mapping_says_what_it_holds(
    tmp_path: Path, content: str, expected: str
) -> None:
    spec = tmp_path / "team.yaml"
    spec.write_text(content)
    with pytest.raises(ComponentLoadError) as caught:
        parse_spec(spec)
    assert str(caught.value) == (
        f"component spec file {str(spec)!r} {expected} with 'provider' and 'config'; write it "
        'like {"provider": "openai", "kind": "model_client", "config": {...}}'
    )


def test_a_directory_given_as_text_is_read_as_a_path(tmp_path: Path) -> None:
    with pytest.raises(ComponentLoadError) as caught:
        parse_spec(str(tmp_path))
    assert str(caught.value) == (
        f"cannot read component spec file {str(tmp_path)!r}: it is a directory; pass the path "
        "of a .json or .yaml spec file"
    )


def test_a_path_that_does_not_exist_is_not_mistaken_for_spec_text(tmp_path: Path) -> None:
    with pytest.raises(ComponentLoadError) as caught:
        parse_spec(str(tmp_path / "team"))
    assert str(caught.value) == (
        "the component spec is one word, not a spec; if it is the path of a spec file, no such "
        "file exists: check the path (spec files end in .json, .yaml or .yml)"
    )
