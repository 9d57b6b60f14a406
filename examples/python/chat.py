"""Chat example: one chat answer, then the same question streamed, with why
each ended, the token usage and the client's timings.

    python chat.py [URL [MODEL]]

URL (else $REALM_URL, else ws://127.0.0.1:8080/) picks the protocol:
ws://host:port/ the Realm protocol, ws://host:port/v1/chat/completions the
OpenAI WebSocket API, http://host:port/v1 an OpenAI-compatible HTTP server.
MODEL (else $REALM_MODEL) is the model to ask for; OpenAI-style servers
usually want one (realm-server answers as any model, e.g. realm-sim).
"""

import asyncio
import os
import sys

from realm import ChatMessage, RealmError, RealmWebSocketClient

MESSAGES: list[ChatMessage] = [{"role": "user", "content": "What is the capital of France?"}]


async def main(url: str, model: str | None) -> int:
    try:
        async with RealmWebSocketClient(url=url, model=model) as client:
            # One answer, whole.
            result = await client.chat(MESSAGES, system_prompt="Answer briefly.", max_tokens=32, timeout=30)
            print(f"answer: {result.text}")
            print(f"finish_reason: {result.finish_reason}")
            print(f"usage: {result.usage}")

            # The same question, streamed.
            print("stream: ", end="", flush=True)
            stream = client.chat_stream(MESSAGES, system_prompt="Answer briefly.", max_tokens=32, timeout=30)
            async for token in stream:
                print(token, end="", flush=True)
            print()
            print(f"finish_reason: {stream.finish_reason}")
            print(f"usage: {stream.usage}")
            ttft, total, tps = stream.time_to_first_token, stream.total_time, stream.tokens_per_second
            print("time_to_first_token: " + ("n/a" if ttft is None else f"{ttft * 1000:.1f} ms"))
            print("total_time: " + ("n/a" if total is None else f"{total * 1000:.1f} ms"))
            print("tokens_per_second: " + ("n/a" if tps is None else f"{tps:.0f}"))
    except RealmError as e:
        print(f"error: {type(e).__name__} ({e.code}): {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("REALM_URL", "ws://127.0.0.1:8080/")
    model = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("REALM_MODEL") or None
    raise SystemExit(asyncio.run(main(url, model)))
