"""Request options are checked, not forwarded blindly: an unknown key or a
value of the wrong type raises InvalidArgumentError naming the option
(a wrong type is also a TypeError), before anything is sent; extra server
fields go in extra_body. Also: per-call timeouts, chat messages, and every
error class importable from realm itself."""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, List

import pytest

import realm
from realm import ArgumentTypeError, ChatMessage, Client, InvalidArgumentError, NotConnectedError, errors

URL = "ws://127.0.0.1:9"  # never connected: checks come first
USER: List[ChatMessage] = [{"role": "user", "content": "Hi"}]

VALID: Dict[str, Any] = {
    "max_tokens": 5, "temperature": 0.5, "top_p": 1, "top_k": 3, "repetition_penalty": 1.1,
    "presence_penalty": -2.0, "frequency_penalty": 2, "seed": -(2**63), "stop": ["a", "b"], "model": "m",
    "extra_body": {"anything": [1, {"x": None}]}, "timeout": 2.5,
}


def chat(**options: Any) -> Any:
    return Client(url=URL).chat(USER, **options)


def generate(**options: Any) -> Any:
    return Client(url=URL).generate({"prompt": "Hi", **options})


def generate_stream(**options: Any) -> Any:
    return Client(url=URL).generate_stream({"prompt": "Hi", **options})


def chat_stream(**options: Any) -> Any:
    return Client(url=URL).chat_stream(USER, **options)


STARTERS: List[Callable[..., Any]] = [chat, generate, generate_stream, chat_stream]


@pytest.mark.parametrize("start", STARTERS, ids=lambda f: f.__name__)
def test_valid_options_pass_the_checks(start: Callable[..., Any]) -> None:
    # Everything is accepted: what stops the call is the missing connection.
    with pytest.raises(NotConnectedError):
        start(**VALID)
    with pytest.raises(NotConnectedError):
        start(**{k: None for k in VALID})  # None = not given


@pytest.mark.parametrize("start", STARTERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("key,hint", [("temprature", "temperature"), ("maxTokens", None), ("delay_ms", None),
                                      ("prompt_tokens", None)])
def test_unknown_option_is_refused_naming_it(start: Callable[..., Any], key: str, hint: str | None) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        start(**{key: 1})
    assert not isinstance(info.value, TypeError)
    assert info.value.code == "INVALID_ARGUMENT"
    message = str(info.value)
    assert f"'{key}'" in message and "extra_body" in message
    if hint:
        assert f"did you mean '{hint}'" in message


def test_options_of_the_other_method_are_unknown() -> None:
    with pytest.raises(InvalidArgumentError, match="'system_prompt'"):
        generate(system_prompt="x")
    with pytest.raises(InvalidArgumentError, match="'prompt'"):
        chat(prompt="x")
    with pytest.raises(InvalidArgumentError, match="'stream'"):
        chat(stream=True)
    with pytest.raises(InvalidArgumentError, match="'messages'"):
        generate(messages=USER)


WRONG_TYPES = [
    ("max_tokens", "5"), ("max_tokens", 5.0), ("max_tokens", True), ("temperature", "hot"), ("top_p", []),
    ("top_k", 1.5), ("repetition_penalty", False), ("presence_penalty", "0"), ("frequency_penalty", [0.1]),
    ("seed", 1.0), ("seed", "1"), ("stop", 5), ("stop", ["a", 1]), ("stop", {"a": 1}), ("model", 3),
    ("extra_body", [("a", 1)]), ("extra_body", "{}"), ("timeout", "1"), ("timeout", True),
]


@pytest.mark.parametrize("start", STARTERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("key,value", WRONG_TYPES, ids=[f"{k}={v!r}" for k, v in WRONG_TYPES])
def test_wrong_type_is_an_invalid_argument_and_a_type_error(start: Callable[..., Any], key: str, value: Any) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        start(**{key: value})
    assert isinstance(info.value, TypeError) and isinstance(info.value, ArgumentTypeError)
    assert f"'{key}'" in str(info.value)


def test_method_specific_wrong_types() -> None:
    with pytest.raises(ArgumentTypeError, match="'stream'"):
        generate(stream="yes")
    with pytest.raises(ArgumentTypeError, match="'system_prompt'"):
        chat(system_prompt=1)
    with pytest.raises(ArgumentTypeError, match="options must be a dict"):
        Client(url=URL).generate(["prompt"])  # type: ignore[arg-type]


@pytest.mark.parametrize("start", STARTERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    "key,value,says",
    [
        ("presence_penalty", math.nan, "presence_penalty must be a finite number"),
        ("frequency_penalty", -math.inf, "frequency_penalty must be a finite number"),
        ("seed", 2**63, "seed is out of range"),
        ("temperature", -0.1, "temperature must be a finite number >= 0"),
        ("stop", ["ok", "a\0b"], "stop contains a NUL character"),
        ("stop", "a\ud800", "stop is not valid Unicode"),
        ("extra_body", {"x": math.nan}, "extra_body cannot be sent as JSON"),
        ("timeout", math.nan, "timeout must be a finite number of seconds >= 0"),
        ("timeout", math.inf, "timeout must be a finite number of seconds >= 0"),
        ("timeout", -1, "timeout must be a finite number of seconds >= 0"),
        ("timeout", 5e6, "timeout is too large"),
    ],
)
def test_bad_values_are_invalid_arguments(start: Callable[..., Any], key: str, value: Any, says: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        start(**{key: value})
    assert says in str(info.value)


@pytest.mark.parametrize(
    "messages,error,says",
    [
        ("Hi", ArgumentTypeError, "messages must be a list"),
        ({"role": "user", "content": "Hi"}, ArgumentTypeError, "messages must be a list"),
        ([], InvalidArgumentError, "messages is empty"),
        (["Hi"], ArgumentTypeError, "messages[0] must be a dict"),
        ([{"role": "user"}], InvalidArgumentError, "messages[0] has no 'content'"),
        ([{"content": "Hi"}], InvalidArgumentError, "messages[0] has no 'role'"),
        ([*USER, {"role": "user", "content": 5}], ArgumentTypeError, "messages[1]['content'] must be a str"),
        ([{"role": None, "content": "x"}], ArgumentTypeError, "messages[0]['role'] must be a str"),
        ([{"role": "user", "content": "x", "name": "bob"}], InvalidArgumentError, "unknown key 'name'"),
        ([{"role": "user", "content": "a\0b"}], InvalidArgumentError, "messages[0].content contains a NUL"),
        ([*USER, {"role": "us\ud800er", "content": "x"}], InvalidArgumentError, "messages[1].role is not valid"),
    ],
)
def test_bad_messages(messages: Any, error: type, says: str) -> None:
    for start in (Client(url=URL).chat, Client(url=URL).chat_stream):
        with pytest.raises(error) as info:
            start(messages)
        assert says in str(info.value)


def test_message_tuples_and_mappings_are_fine() -> None:
    from types import MappingProxyType

    with pytest.raises(NotConnectedError):
        Client(url=URL).chat((MappingProxyType({"role": "user", "content": "Hi"}),))
    with pytest.raises(NotConnectedError):
        Client(url=URL).chat([], system_prompt="only a system message")


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, -0.5, "1", 1e10])
def test_timeout_of_every_other_request_is_checked(value: Any) -> None:
    client = Client(url=URL)
    calls: List[Callable[[], Any]] = [
        lambda: client.health(timeout=value),
        lambda: client.metadata(timeout=value),
        lambda: client.models(timeout=value),
        lambda: client.call("health", timeout=value),
        lambda: client.execute_pipeline("p", {}, timeout=value),
    ]
    for call in calls:
        with pytest.raises(InvalidArgumentError) as info:
            call()
        assert "timeout" in str(info.value)
        assert isinstance(info.value, TypeError) == isinstance(value, str)


async def test_async_client_checks_the_same() -> None:
    client = realm.RealmWebSocketClient(url=URL)
    with pytest.raises(InvalidArgumentError, match="'temprature'"):
        await client.chat(USER, temprature=0.2)  # type: ignore[call-arg]
    with pytest.raises(ArgumentTypeError, match="'max_tokens'"):
        client.chat_stream(USER, max_tokens="2")  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match="'seed'"):
        await client.generate({"prompt": "x", "seed": 0.5})  # type: ignore[typeddict-item]
    with pytest.raises(InvalidArgumentError, match="timeout"):
        await client.health(timeout=-1)
    with pytest.raises(NotConnectedError):
        await client.chat(USER, **VALID)


# ---------------------------------------------------------------- error classes


def test_every_error_class_is_importable_from_realm() -> None:
    for status, name, _, category, _ in errors.table():
        if category == "none":
            continue
        cls = errors.error_class(status)
        assert getattr(realm, cls.__name__) is cls, name
        assert cls.__name__ in realm.__all__
    for name in errors.__all__:
        if name != "error_class":
            assert getattr(realm, name) is getattr(errors, name)
    assert errors.error_class(-23) is realm.NotFoundError and issubclass(realm.NotFoundError, realm.ServerError)
    assert errors.error_class(-22) is realm.InvalidRequestError
    assert errors.error_class(-16) is realm.ServerInternalError
    assert issubclass(ArgumentTypeError, InvalidArgumentError) and issubclass(ArgumentTypeError, TypeError)
    assert ArgumentTypeError("x").code == "INVALID_ARGUMENT"
