"""Message serialization: automatic registration, qualified names, unknown payloads, chat types."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import pytest
from pydantic import BaseModel
from retinue import SerializationError
from retinue.chat import (
    CodeExecutionEvent,
    CodeGenerationEvent,
    HandoffMessage,
    MemoryQueryEvent,
    ModelClientStreamingChunkEvent,
    MultiModalMessage,
    SelectorEvent,
    SelectSpeakerEvent,
    StopMessage,
    StructuredMessage,
    TextMessage,
    ThoughtEvent,
    ToolCallExecutionEvent,
    ToolCallRequestEvent,
    ToolCallSummaryMessage,
    UserInputRequestedEvent,
    message_types,
)
from retinue.code import CodeBlock, CodeResult
from retinue.models import (
    AssistantMessage,
    FunctionCall,
    FunctionExecutionResult,
    Image,
    RequestUsage,
    SystemMessage,
    UserMessage,
)
from retinue.runtime import (
    JSON_DATA_CONTENT_TYPE,
    MessageSerializer,
    SerializationRegistry,
    UnknownPayload,
    qualified_type_name,
)


class Weather(BaseModel):
    city: str
    degrees: float


@dataclasses.dataclass
class Reading:
    sensor: str
    values: list[float]
    weather: Weather | None = None


def _twin_named_reading(module: str) -> type[Any]:
    """A class called ``Reading`` from another module."""
    cls = dataclasses.make_dataclass("Reading", [("label", str)])
    cls.__module__ = module
    return cls


def test_pydantic_models_and_dataclasses_register_themselves() -> None:
    registry = SerializationRegistry()
    weather = Weather(city="Oslo", degrees=-3.5)
    reading = Reading("s1", [1.0, 2.5], weather)
    assert registry.round_trip(weather) == weather
    assert registry.round_trip(reading) == reading
    assert registry.is_registered(qualified_type_name(Weather))
    assert registry.is_registered(qualified_type_name(Reading), JSON_DATA_CONTENT_TYPE)


def test_json_values_round_trip() -> None:
    registry = SerializationRegistry()
    for value in ("text", 3, 2.5, True, None, [1, "a"], {"k": [1, 2]}):
        assert registry.round_trip(value) == value


def test_type_names_are_qualified_so_same_named_classes_do_not_collide() -> None:
    registry = SerializationRegistry()
    twin = _twin_named_reading("elsewhere.sensors")
    name_here, payload_here = registry.serialize(Reading("s", [1.0]))
    name_there, payload_there = registry.serialize(twin("x"))
    assert name_here == f"{__name__}.Reading"
    assert name_there == "elsewhere.sensors.Reading"
    assert registry.deserialize(payload_here, type_name=name_here) == Reading("s", [1.0])
    assert registry.deserialize(payload_there, type_name=name_there) == twin("x")


def test_unknown_payloads_are_reported_not_dropped(caplog: pytest.LogCaptureFixture) -> None:
    sender = SerializationRegistry()
    type_name, payload = sender.serialize(Weather(city="Rome", degrees=20))
    receiver = SerializationRegistry()
    with caplog.at_level(logging.WARNING):
        received = receiver.deserialize(payload, type_name=type_name)
    assert received == UnknownPayload(type_name, JSON_DATA_CONTENT_TYPE, payload)
    assert type_name in caplog.text


def test_unencodable_messages_are_clear_errors() -> None:
    registry = SerializationRegistry()

    class Opaque:
        pass

    with pytest.raises(SerializationError, match=r"no serializer for .*Opaque.*pydantic"):
        registry.serialize(Opaque())
    with pytest.raises(SerializationError, match="cannot serialize"):
        registry.serialize({"when": object()})
    type_name, _ = registry.serialize(Weather(city="a", degrees=1))
    with pytest.raises(SerializationError, match="invalid payload"):
        registry.deserialize(b'{"city": 3}', type_name=type_name)
    assert registry.round_trip(Weather(city="still works", degrees=0)).city == "still works"


def test_custom_serializers_take_part() -> None:
    class Celsius(float):
        pass

    class CelsiusSerializer(MessageSerializer[Celsius]):
        data_content_type = "text/plain"
        type_name = "units.Celsius"

        def serialize(self, message: Celsius) -> bytes:
            return f"{float(message)}C".encode()

        def deserialize(self, payload: bytes) -> Celsius:
            return Celsius(payload.decode().rstrip("C"))

    registry = SerializationRegistry()
    registry.add_serializer(CelsiusSerializer())
    assert registry.is_registered("units.Celsius", "text/plain")
    decoded = registry.deserialize(
        b"21.5C", type_name="units.Celsius", data_content_type="text/plain"
    )
    assert decoded == Celsius(21.5)


def _chat_samples() -> list[Any]:
    call = FunctionCall(id="c1", name="lookup", arguments='{"q": "x"}')
    result = FunctionExecutionResult(content="42", name="lookup", call_id="c1", is_error=False)
    usage = RequestUsage(prompt_tokens=3, completion_tokens=4)
    image = Image(data="iVBORw0KGgo=", mime_type="image/png")
    return [
        TextMessage(source="user", content="hi", models_usage=usage, metadata={"k": "v"}),
        StopMessage(source="judge", content="done"),
        ToolCallSummaryMessage(source="a", content="42", tool_calls=[call], results=[result]),
        HandoffMessage(
            source="a",
            content="over to b",
            target="b",
            context=[
                SystemMessage(content="sys"),
                UserMessage(content="q", source="user"),
                AssistantMessage(content=[call], source="a"),
            ],
        ),
        MultiModalMessage(source="user", content=["look", image]),
        StructuredMessage[Weather](source="a", content=Weather(city="Oslo", degrees=1.5)),
        ToolCallRequestEvent(source="a", content=[call]),
        ToolCallExecutionEvent(source="a", content=[result]),
        MemoryQueryEvent(
            source="a", content=[{"content": "remembered", "mime_type": "text/plain"}]
        ),
        UserInputRequestedEvent(source="user_proxy", request_id="r1", content="?"),
        ModelClientStreamingChunkEvent(source="a", content="chu", full_message_id="m1"),
        ThoughtEvent(source="a", content="thinking"),
        SelectSpeakerEvent(source="team", content=["a", "b"]),
        SelectorEvent(source="team", content="a it is"),
        CodeGenerationEvent(
            source="coder",
            content="```python\nprint(1)\n```",
            code_blocks=[CodeBlock(code="print(1)", language="python")],
        ),
        CodeExecutionEvent(source="runner", result=CodeResult(exit_code=0, output="1\n")),
    ]


def test_every_chat_message_and_event_round_trips() -> None:
    samples = _chat_samples()
    kernel_types = {
        name for name, cls in message_types().items() if cls.__module__ == "retinue.chat._messages"
    }
    assert {sample.type for sample in samples} == kernel_types, "add a sample for each new type"
    registry = SerializationRegistry()
    for sample in samples:
        type_name, payload = registry.serialize(sample)
        assert type_name.startswith("retinue.chat._messages.")
        decoded = registry.deserialize(payload, type_name=type_name)
        assert type(decoded) is type(sample)
        assert decoded == sample


def test_parametrized_generics_are_named_after_origin_and_arguments() -> None:
    name = qualified_type_name(StructuredMessage[Weather])
    assert name == f"retinue.chat._messages.StructuredMessage[{__name__}.Weather]"


def test_a_serializer_with_another_wire_name_sends_under_it_and_decodes_both() -> None:
    from retinue.runtime import DataclassJsonMessageSerializer, PydanticJsonMessageSerializer

    registry = SerializationRegistry()
    registry.add_type(Reading)  # registered first under its qualified name, as agents do
    registry.add_serializer(DataclassJsonMessageSerializer(Reading, type_name="Reading"))
    registry.add_serializer(PydanticJsonMessageSerializer(Weather, type_name="Weather"))
    registry.add_type(Weather)  # a later automatic registration keeps the chosen name
    type_name, payload = registry.serialize(Reading("s", [1.0]))
    assert type_name == "Reading"
    assert registry.serialize(Weather(city="Oslo", degrees=3))[0] == "Weather"
    assert registry.deserialize(payload, type_name="Reading") == Reading("s", [1.0])
    # A peer that still uses the qualified name is understood too.
    assert registry.deserialize(payload, type_name=qualified_type_name(Reading)) == Reading(
        "s", [1.0]
    )


def test_an_empty_wire_name_is_refused() -> None:
    from retinue.runtime import DataclassJsonMessageSerializer

    with pytest.raises(SerializationError, match="must be a non-empty string"):
        DataclassJsonMessageSerializer(Reading, type_name=" ")


def test_json_values_decode_before_any_was_sent() -> None:
    sender, receiver = SerializationRegistry(), SerializationRegistry()
    type_name, payload = sender.serialize("a reply")
    assert receiver.deserialize(payload, type_name=type_name) == "a reply"


async def test_registering_an_agent_class_again_builds_no_schema(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every team run registers its agents on a runtime: the pydantic schema of each
    # message class must be built once per process, not once per registration.
    from retinue.runtime import InProcessRuntime, RoutedAgent, _serialization, message_handler

    @dataclasses.dataclass
    class Knock:
        times: int

    class Door(RoutedAgent):
        @message_handler
        async def on_knock(self, message: Knock, ctx: Any) -> None:
            return None

    await Door.register(InProcessRuntime(), "door", lambda: Door("a door"))
    built: list[Any] = []

    class CountingAdapter(_serialization.TypeAdapter):  # type: ignore[type-arg]
        def __init__(self, cls: Any) -> None:
            built.append(cls)
            super().__init__(cls)

    monkeypatch.setattr(_serialization, "TypeAdapter", CountingAdapter)
    second = InProcessRuntime(serialize_messages=True)
    await Door.register(second, "door", lambda: Door("a door"))
    assert built == []
    # The shared adapter still encodes and decodes.
    serializer = _serialization.DataclassJsonMessageSerializer(Knock)
    assert serializer.deserialize(serializer.serialize(Knock(3))) == Knock(3)
