"""Documented mistakes that `mypy --strict` must report, one per line whose
comment starts with "E:" (test_typing.py checks that exactly those lines
have errors). Not meant to run."""

from __future__ import annotations

from typing import List

from realm import ChatMessage, Client, RealmWebSocketClient

MESSAGES: List[ChatMessage] = [{"role": "user", "content": "Hi"}]


async def mistakes(client: RealmWebSocketClient) -> None:
    await client.generate({"prompt": "x", "temprature": 0.5})  # E: unknown option key
    await client.generate({"prompt": "x", "max_tokens": "5"})  # E: wrong option type
    await client.generate({"max_tokens": 5})  # E: prompt is required
    await client.generate({"prompt": "x", "stop": 5})  # E: stop is a str or a list of str
    await client.chat(MESSAGES, temprature=0.5)  # E: unknown chat option
    await client.chat(MESSAGES, max_tokens="5")  # E: wrong chat option type
    await client.chat(MESSAGES, extra_body=[("delay_ms", 1)])  # E: extra_body is a mapping
    await client.chat(MESSAGES, prompt="x")  # E: chat takes messages, not a prompt
    await client.chat([{"role": "user"}])  # E: a message needs content
    await client.chat([{"role": "user", "content": 1}])  # E: content is a str
    await client.health(timeout="5")  # E: timeout is a number of seconds
    result = await client.chat(MESSAGES)
    result.finish_reason.upper()  # E: finish_reason may be None
    result.usage["prompt_tokens"] + 1  # E: usage counts may be None
    result.usage["tokens"]  # E: no such usage key
    health = await client.health()
    health["stauts"]  # E: no such health key
    stream = client.chat_stream(MESSAGES)
    stream.total_time + 1.0  # E: timings are None until the stream ended


def option_mistakes() -> None:
    RealmWebSocketClient(dialect="openai")  # E: not a dialect
    RealmWebSocketClient(max_retries="2")  # E: max_retries is an int
    RealmWebSocketClient(urls=[1, 2])  # E: urls are str


def sync_mistakes(client: Client) -> None:
    client.chat(MESSAGES, system_prompt=1)  # E: system_prompt is a str
    client.generate({"prompt": "x", "stream": "yes"})  # E: stream is a bool
    client.models(5)  # E: timeout is keyword-only
