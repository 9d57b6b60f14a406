"""Streaming example: tokens as they arrive, with `async for` or a callback,
and with the blocking client.

    python streaming.py [ws://localhost:8080]
"""

import asyncio
import sys

from realm import Client, RealmWebSocketClient


async def main(url: str) -> None:
    client = RealmWebSocketClient(url=url)

    try:
        await client.connect()
        print("✓ Connected!")

        print("\nGenerating with streaming...")
        async for token in client.generate_stream({
            "prompt": "Tell me a short story about a robot.",
            "max_tokens": 100,
            "temperature": 0.8,
        }):
            print(token, end="", flush=True)
        print("\n✓ Complete!")

        # Stop early: leaving the loop cancels the request (on the server too).
        print("\nFirst five tokens only:")
        async for i, token in _enumerate(client.generate_stream({"prompt": "Count", "max_tokens": 1000})):
            print(token, end="", flush=True)
            if i == 4:
                break
        print()

        # Or stream into a callback and still get the whole result.
        print("\nWith a callback:")
        result = await client.generate(
            {"prompt": "Hello", "max_tokens": 13, "stream": True},
            on_token=lambda token: print(token, end="", flush=True),
        )
        print(f"\n✓ {result['tokens_generated']} tokens")

    except Exception as e:
        print(f"Error: {e}", file=sys.stderr)
        raise SystemExit(1)
    finally:
        await client.disconnect()


async def _enumerate(stream):
    i = 0
    async for item in stream:
        yield i, item
        i += 1


def blocking(url: str) -> None:
    # Scripts without asyncio: the same methods, and a plain iterator for streams.
    print("\nBlocking client:")
    with Client(url=url) as client:
        for token in client.generate_stream({"prompt": "Sync", "max_tokens": 13}):
            print(token, end="", flush=True)
    print()


if __name__ == "__main__":
    url = sys.argv[1] if len(sys.argv) > 1 else "ws://localhost:8080"
    asyncio.run(main(url))
    blocking(url)
