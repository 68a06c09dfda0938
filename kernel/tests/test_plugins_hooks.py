"""Middleware and command hooks: collected once per object, raising plugins isolated."""

from __future__ import annotations

import argparse

import pytest
from retinue import ConfigurationError, PluginError, hookimpl
from retinue._specifiers import SpecifierError, parse_requirement, version_satisfies
from retinue.middleware import ModelCallInterceptor, ToolCallInterceptor
from retinue.plugins import BUILTIN_PLUGINS, PluginManager
from retinue.registry import Registry


class Audit(ModelCallInterceptor):
    def __init__(self, client: object) -> None:
        self.client = client


class AuditPlugin:
    @hookimpl
    def retinue_model_call_interceptors(self, client: object) -> list[ModelCallInterceptor]:
        return [Audit(client)]

    @hookimpl
    def retinue_tool_call_interceptors(self, tool: object) -> None:
        return None


class BrokenPlugin:
    @hookimpl
    def retinue_model_call_interceptors(self, client: object) -> list[ModelCallInterceptor]:
        raise RuntimeError("audit backend down")

    @hookimpl
    def retinue_register_commands(self, subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
        raise RuntimeError("no commands today")


class CommandPlugin:
    @hookimpl
    def retinue_register_commands(self, subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
        parser = subparsers.add_parser("hello")
        parser.set_defaults(handler=lambda args: 0)


def test_interceptors_are_collected_per_object_and_a_raising_plugin_is_skipped() -> None:
    manager = PluginManager(strict=False)
    manager.add_plugin(BrokenPlugin(), "broken")
    manager.add_plugin(AuditPlugin(), "audit")
    client = object()
    collected = manager.collect_interceptors("model_call", client)
    assert [type(i) for i in collected] == [Audit]
    assert collected[0].client is client
    record = manager.get_record("broken")
    assert record.status == "error"
    assert "retinue_model_call_interceptors raised RuntimeError: audit backend down" in (
        record.error or ""
    )
    assert manager.collect_interceptors("tool_call", object()) == []
    assert len(manager.collect_interceptors("model_call", object())) == 1


def test_an_interceptor_hook_returning_no_list_is_recorded_and_skipped() -> None:
    class SingleAuditPlugin:
        @hookimpl
        def retinue_model_call_interceptors(self, client: object) -> ModelCallInterceptor:
            return Audit(client)

    manager = PluginManager(strict=False)
    manager.add_plugin(SingleAuditPlugin(), "single")
    manager.add_plugin(AuditPlugin(), "audit")
    assert [type(i) for i in manager.collect_interceptors("model_call", object())] == [Audit]
    record = manager.get_record("single")
    assert record.status == "error"
    assert "returned Audit, not a list" in (record.error or "")
    assert len(manager.collect_interceptors("model_call", object())) == 1


def test_interceptor_failure_raises_in_strict_mode() -> None:
    manager = PluginManager(strict=True)
    manager.add_plugin(BrokenPlugin(), "broken")
    with pytest.raises(PluginError, match="audit backend down"):
        manager.collect_interceptors("model_call", object())


def test_unknown_interceptor_family_is_a_configuration_error() -> None:
    manager = PluginManager(strict=False)
    with pytest.raises(ConfigurationError, match="'model'; expected one of: model_call"):
        manager.collect_interceptors("model", object())
    assert manager.collect_interceptors("tool_call", object()) == []


def test_tool_interceptors_are_collected_for_the_tool_they_were_asked_for() -> None:
    class Redactor(ToolCallInterceptor):
        pass

    class RedactPlugin:
        @hookimpl
        def retinue_tool_call_interceptors(self, tool: str) -> list[ToolCallInterceptor]:
            return [Redactor()] if tool == "shell" else []

    manager = PluginManager(strict=False)
    manager.add_plugin(RedactPlugin(), "redact")
    assert [type(i) for i in manager.collect_interceptors("tool_call", "shell")] == [Redactor]
    assert manager.collect_interceptors("tool_call", "calculator") == []


def test_commands_from_plugins_and_a_raising_command_hook_is_isolated() -> None:
    manager = PluginManager(strict=False)
    manager.add_plugin(BrokenPlugin(), "broken")
    manager.add_plugin(CommandPlugin(), "commands")
    parser = argparse.ArgumentParser()
    manager.register_commands(parser.add_subparsers(dest="command"))
    assert parser.parse_args(["hello"]).command == "hello"
    assert manager.get_record("broken").status == "error"


def test_builtins_register_through_the_same_hooks() -> None:
    manager = PluginManager(strict=False)
    manager.load_builtins()
    builtins = manager.get_record("retinue.builtins")
    assert (builtins.builtin, builtins.distribution) == (True, "retinue")
    registry = Registry(manager)
    assert registry.registered_by("retinue.builtins") == {
        "model_client": ["scripted"],
        "tool": ["function"],
        "workbench": ["static", "static_stream"],
        "runtime": ["inprocess"],
        "termination": ["or", "and"],
        "model_context": ["unbounded", "buffered", "head_and_tail", "token_limited"],
        "memory": ["list"],
    }
    assert set(BUILTIN_PLUGINS) == {r.name for r in manager.records}


def test_a_hook_wrapper_is_refused_for_registration_hooks() -> None:
    class WrapperPlugin:
        @hookimpl(wrapper=True)
        def retinue_register_tools(self, register: object) -> object:
            return (yield)

    manager = PluginManager(strict=False)
    manager.add_plugin(WrapperPlugin(), "wrapper")
    Registry(manager)
    assert "must not be a hook wrapper" in (manager.get_record("wrapper").error or "")


@pytest.mark.parametrize(
    ("version", "specifier", "expected"),
    [
        ("0.1.0", ">=0.1,<0.2", True),
        ("0.2.0", ">=0.1,<0.2", False),
        ("0.1", "==0.1.0", True),
        ("0.1.5", "~=0.1.2", True),
        ("0.2.0", "~=0.1.2", False),
        ("1.4.0", "~=1.2", True),
        ("0.1.7", "==0.1.*", True),
        ("0.2.0", "!=0.2.*", False),
        ("0.1.0rc1", ">0.0.9", True),
        ("0.1.0", "", True),
        ("2.0", "<=1.9.9", False),
    ],
)
def test_specifier_evaluation(version: str, specifier: str, expected: bool) -> None:
    assert version_satisfies(version, specifier) is expected


@pytest.mark.parametrize("specifier", [">=banana", "~=1", ">=0.1.*", "=>0.1"])
def test_unreadable_specifiers_raise(specifier: str) -> None:
    with pytest.raises(SpecifierError):
        version_satisfies("0.1.0", specifier)


def test_requirement_parsing() -> None:
    requirement = parse_requirement('Retinue_Kernel[yaml] (>=0.1,<0.2) ; extra == "x"')
    assert (requirement.name, requirement.specifier) == ("retinue-kernel", ">=0.1,<0.2")
    assert requirement.is_extra_only
    assert parse_requirement("retinue @ file:///src/kernel").specifier == ""


@pytest.mark.parametrize("strict", [True, False])
async def test_a_raising_interceptor_hook_behind_a_model_call_honours_strict_mode(
    monkeypatch: pytest.MonkeyPatch, strict: bool
) -> None:
    import retinue.plugins
    from retinue.models import UserMessage
    from retinue.testing import ScriptedChatCompletionClient

    manager = PluginManager(strict=strict)
    manager.add_plugin(BrokenPlugin(), "broken")
    monkeypatch.setattr(retinue.plugins, "_manager", manager)
    client = ScriptedChatCompletionClient(["answer"])
    call = client.create([UserMessage(content="hi", source="u")])
    if strict:
        with pytest.raises(PluginError, match="audit backend down"):
            await call
    else:
        assert (await call).content == "answer"
        assert manager.get_record("broken").status == "error"
