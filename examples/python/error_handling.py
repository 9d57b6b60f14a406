"""Error handling example: rate limits, authentication, server errors.

    python error_handling.py [ws://localhost:8080] [API_KEY]

Every error is a realm.RealmError with .code (the server's code, e.g.
"RATE_LIMIT_EXCEEDED"), .message and .retry_after (seconds, or None); the
classes (RateLimitError, AuthenticationError, ConnectionError, TimeoutError,
ServerError, ...) can be caught directly too.
"""

import asyncio
import sys

from realm import RealmWebSocketClient
from realm.exceptions import AuthenticationError, RateLimitError, RealmError


async def with_retry(call, attempts: int = 3):
    """Runs `call()` again after the server's retry-after hint when rate limited."""
    for attempt in range(attempts):
        try:
            return await call()
        except RateLimitError as e:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(e.retry_after or 1.0)


async def main(url: str, api_key) -> None:
    client = RealmWebSocketClient(url=url, api_key=api_key)

    try:
        await client.connect()

        # Example 1: rate limit handling (the server may allow only a burst)
        for i in range(4):
            try:
                await client.generate({
                    "prompt": "Hello",
                    "max_tokens": 50,
                })
            except Exception as e:
                if hasattr(e, "code") and e.code == "RATE_LIMIT_EXCEEDED":
                    retry_after = getattr(e, "retry_after", None) or 1.0
                    print(f"Rate limited! Retry after: {retry_after} seconds")
                    await asyncio.sleep(retry_after)
                    # Retry...
                    await client.generate({"prompt": "Hello", "max_tokens": 50})
                    print("Retried successfully")
                else:
                    raise

        # The same, with the exception class and a helper
        result = await with_retry(lambda: client.generate({"prompt": "Hello"}))
        print(f"Generated after waiting out the rate limit: {result['text']}")

        # Example 2: authentication error
        invalid_client = RealmWebSocketClient(url=url, api_key="invalid-key")
        try:
            await invalid_client.connect()
            print("Connected with an invalid key: this server does not check keys")
        except AuthenticationError as e:
            print(f"Authentication failed - check your API key ({e.code}: {e.message})")
        finally:
            await invalid_client.disconnect()

        # Example 3: a function or pipeline the server does not have
        try:
            await with_retry(lambda: client.execute_pipeline("no-such-pipeline", {"prompt": "Test"}))
        except RealmError as e:
            if e.code == "DISPATCH_ERROR":
                print(f"Not available on this server: {e.message}")
            else:
                print(f"Other error: {e}")

    except Exception as e:
        print(f"Unexpected error: {e!r}", file=sys.stderr)
        raise SystemExit(1)
    finally:
        await client.disconnect()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "ws://localhost:8080",
                     sys.argv[2] if len(sys.argv) > 2 else None))
