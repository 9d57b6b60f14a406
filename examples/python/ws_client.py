"""ws-system example: sign in with a registered key (challenge-response),
follow generations through callbacks, stream one with `async for`, list the
models, measure a ping and stop a generation right after starting it.

    python ws_client.py ws://localhost:3000 CLIENT_ID path/to/client_key.pem

`scripts/ws-keygen NAME --dir DIR` makes the key and the server's registry
entry; serve it with `realm-server --dialect ws-system --ws-clients FILE`.
"""

import asyncio
import sys

from realm import WSClient


async def main(url: str, client_id: str, key_path: str) -> None:
    client = WSClient(url, client_id, key_path)
    done = asyncio.Event()
    client.on_generation_start(lambda e: print(f"[{e['id']} started on {e['model']}]"))
    client.on_token(lambda e: print(e["token"], end="", flush=True))

    def ended(e: dict) -> None:
        print(f"\n[{e['id']} ended: {e['total_tokens']} tokens, cancelled={e['is_cancelled']}]")
        done.set()

    client.on_generation_end(ended)
    client.on_error(lambda e: print(f"\n[error {e['code']}] {e['message']}"))

    await client.connect()
    print(f"status: {client.get_status()}")

    await client.generate("What is the capital of France?")
    await done.wait()

    stream = client.generate_stream("Tell me about Paris.")
    async for token in stream:
        print(token, end="", flush=True)
    print(f"\n[stream: {stream.total_tokens} tokens, model {stream.model}]")

    models = await client.list_models()
    print("models:", [m["name"] for m in models])
    print(f"ping: {await client.ping() * 1000:.2f} ms")

    done.clear()
    gen_id = await client.generate("Count to 100.")
    await client.stop_generation(gen_id)  # never lost, even before the server's stream_start
    await done.wait()

    await client.disconnect()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: ws_client.py URL CLIENT_ID PRIVATE_KEY_FILE")
    asyncio.run(main(*sys.argv[1:]))
