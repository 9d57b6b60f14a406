"""Lifecycle: several event loops one after another, many clients at once,
nothing left behind after disconnect, and a clean interpreter exit with
clients that were never disconnected. These tests run their own event loops
(plain functions, not pytest-asyncio)."""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import textwrap
import threading

import pytest

from realm import RealmWebSocketClient

from conftest import Server, expected_tokens, run_python


def threads_and_fds() -> tuple:
    return len(os.listdir("/proc/self/task")), len(os.listdir("/proc/self/fd"))


def test_one_client_across_several_asyncio_run_calls(shared_server: Server) -> None:
    client = RealmWebSocketClient(url=shared_server.url)

    async def connect() -> None:
        await client.connect()

    async def generate() -> str:
        return (await client.generate({"prompt": "What is the capital of France?"})).text

    async def stream() -> list:
        return [t async for t in client.generate_stream({"prompt": "Loop", "max_tokens": 3})]

    asyncio.run(connect())
    assert asyncio.run(generate()) == "Paris"
    assert asyncio.run(generate()) == "Paris"
    assert asyncio.run(stream()) == ["The ", "capital ", "of "]
    asyncio.run(client.disconnect())


def test_several_event_loops_in_sequence_each_with_its_own_client(shared_server: Server) -> None:
    for i in range(5):
        async def main() -> str:
            async with RealmWebSocketClient(url=shared_server.url) as client:
                return (await client.generate({"prompt": f"Run{i} now"})).text
        assert asyncio.run(main()) == f"Simulated response to: Run{i} now"


def test_many_clients_at_once(shared_server: Server) -> None:
    async def main() -> None:
        clients = [RealmWebSocketClient(url=shared_server.url) for _ in range(25)]
        await asyncio.gather(*(c.connect() for c in clients))

        async def use(i: int, c: RealmWebSocketClient) -> None:
            tokens = [t async for t in c.generate_stream({"prompt": f"C{i} x", "max_tokens": 50})]
            assert tokens == expected_tokens(f"C{i}", 50)
            assert (await c.generate({"prompt": "What is the capital of France?"})).text == "Paris"

        await asyncio.gather(*(use(i, c) for i, c in enumerate(clients)))
        await asyncio.gather(*(c.disconnect() for c in clients))

    asyncio.run(main())


def test_no_thread_or_fd_left_after_disconnect(shared_server: Server) -> None:
    gc.collect()
    before = threads_and_fds()

    async def main() -> None:
        client = RealmWebSocketClient(url=shared_server.url)
        await client.connect()
        during = threads_and_fds()
        assert during[0] == before[0] + 1  # the core's event thread
        assert [t async for t in client.generate_stream({"prompt": "x", "max_tokens": 5})]
        await client.disconnect()
        # Gone right after disconnect, before the client object or the loop is.
        assert threads_and_fds()[0] == before[0]
        del client

    asyncio.run(main())
    gc.collect()
    assert threads_and_fds() == before


def test_dropped_client_is_destroyed(shared_server: Server) -> None:
    gc.collect()
    before = threads_and_fds()

    async def main() -> None:
        client = RealmWebSocketClient(url=shared_server.url)
        await client.connect()
        await client.generate({"prompt": "x"})
        # never disconnected

    asyncio.run(main())
    gc.collect()
    # asyncio.run closed the loop (dropping its reader) and the client is garbage.
    assert threads_and_fds() == before


def test_client_used_from_a_loop_in_another_thread(shared_server: Server) -> None:
    results = []

    def worker() -> None:
        async def main() -> None:
            async with RealmWebSocketClient(url=shared_server.url) as c:
                results.append((await c.generate({"prompt": "What is the capital of France?"})).text)
        asyncio.run(main())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == ["Paris"] * 4


EXIT_SCRIPTS = {
    "asyncio, stream in flight, never disconnected": """
        import asyncio, sys
        from realm import RealmWebSocketClient
        async def main():
            client = RealmWebSocketClient(url=sys.argv[1])
            await client.connect()
            stream = client.generate_stream({"prompt": "x", "max_tokens": 100000, "extra_body": {"delay_ms": 5}})
            await stream.__anext__()
            globals()["keep"] = (client, stream)
            print("ok", flush=True)
        asyncio.run(main())
    """,
    "asyncio loop never closed": """
        import asyncio, sys
        from realm import RealmWebSocketClient
        loop = asyncio.new_event_loop()
        client = RealmWebSocketClient(url=sys.argv[1])
        loop.run_until_complete(client.connect())
        task = loop.create_task(client.generate({"prompt": "x", "max_tokens": 100000, "extra_body": {"delay_ms": 5}, "stream": True}))
        loop.run_until_complete(asyncio.sleep(0.05))
        print("ok", flush=True)
    """,
    "blocking client, never disconnected": """
        import sys
        from realm import Client
        client = Client(url=sys.argv[1])
        client.connect()
        stream = client.generate_stream({"prompt": "x", "max_tokens": 100000, "extra_body": {"delay_ms": 5}})
        next(stream)
        print("ok", flush=True)
    """,
    "sys.exit from inside a coroutine": """
        import asyncio, sys
        from realm import RealmWebSocketClient
        client = RealmWebSocketClient(url=sys.argv[1])
        async def main():
            await client.connect()
            print("ok", flush=True)
            sys.exit(0)
        asyncio.run(main())
    """,
}


@pytest.mark.parametrize("name", list(EXIT_SCRIPTS))
def test_process_exits_with_a_live_client(shared_server: Server, name: str) -> None:
    code = textwrap.dedent(EXIT_SCRIPTS[name])
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", code, shared_server.url], capture_output=True, text=True,
                            timeout=20)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"
    assert "Traceback" not in result.stderr, result.stderr
    # A hang is caught by the subprocess timeout (TimeoutExpired), not a clock.


def test_import_without_using_exits_cleanly() -> None:
    result = run_python("import realm; print(realm.core_version)")
    assert result.returncode == 0 and result.stdout.strip() == "0.1.0", result.stderr


def test_extension_module_exports_only_its_entry_point() -> None:
    # The core is linked in statically. Its realm_* symbols (and any of our
    # C++ ones) must stay local: exported, they would be interposed by another
    # copy of librealm in the process (an embedding application, ctypes with
    # RTLD_GLOBAL, another extension).
    import realm._realm as native

    out = subprocess.run(["nm", "-D", "--defined-only", "-C", native.__file__],
                         capture_output=True, text=True, check=True).stdout
    names = [" ".join(line.split(" ")[2:]) for line in out.splitlines() if line]
    assert "PyInit__realm" in names
    assert [n for n in names if ("realm" in n or "lws_" in n or "cJSON" in n) and n != "PyInit__realm"] == []
