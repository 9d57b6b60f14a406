"""Replays tests/data/realm-vectors.json against realm-server in compat mode.

Each vector runs on a fresh server configured as its "server" block says:
simulated dispatcher -> --compat upstream; cli -> --compat upstream-cli;
the registered-pipeline vector -> --compat upstream-cli --pipeline rag:m1.
The peer is the `websockets` library, independent of librealm.
"""
import asyncio
import json
import re

import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from conftest import VECTORS_PATH

VECTORS = json.loads(VECTORS_PATH.read_text())
RECV_TIMEOUT = 5.0
NO_STATUS = 1005  # close frame without a status code, as peers report it

# Vectors this server cannot reproduce, with the reason. Empty: all run.
SKIPPED = {}


def server_args(vector, tmp_path):
    cfg = vector["server"]
    dispatcher = cfg.get("dispatcher", "simulated")
    if dispatcher == "simulated":
        args = ["--compat", "upstream"]
    elif dispatcher.startswith("cli"):
        args = ["--compat", "upstream-cli"]
    else:
        m = re.search(r"pipeline '([\w-]+)' of one model '([\w-]+)'", dispatcher)
        assert m, f"unknown dispatcher in vector {vector['name']}: {dispatcher}"
        args = ["--compat", "upstream-cli", "--pipeline", f"{m.group(1)}:{m.group(2)}"]
    if cfg.get("auth"):
        keys = tmp_path / "api-keys.json"
        keys.write_text(json.dumps(cfg.get("api_keys", [])))
        args += ["--api-keys", str(keys)]
    limiter = cfg.get("rate_limiter")
    if isinstance(limiter, dict):
        args += ["--rate-limit-rpm", str(limiter["requests_per_minute"]),
                 "--rate-limit-burst", str(limiter["burst_size"])]
    return args


def is_placeholder(value):
    return isinstance(value, str) and value.startswith("<") and value.endswith(">")


def json_matches(expected, got, shape):
    """JSON equality ignoring key order; numbers must keep their kind (1 != 1.0)
    and booleans are not numbers. In shape mode "<...>" matches any string."""
    if shape and is_placeholder(expected):
        return isinstance(got, str)
    if isinstance(expected, bool) or isinstance(got, bool):
        return type(expected) is type(got) and expected == got
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)):
        return type(expected) is type(got) and expected == got
    if isinstance(expected, dict):
        return (isinstance(got, dict) and expected.keys() == got.keys()
                and all(json_matches(expected[k], got[k], shape) for k in expected))
    if isinstance(expected, list):
        return (isinstance(got, list) and len(expected) == len(got)
                and all(json_matches(e, g, shape) for e, g in zip(expected, got)))
    return type(expected) is type(got) and expected == got


async def expect_close(ws, expected_code):
    with pytest.raises(ConnectionClosed) as info:
        msg = await asyncio.wait_for(ws.recv(), RECV_TIMEOUT)
        pytest.fail(f"expected a close, got frame {msg!r}")
    rcvd = info.value.rcvd
    assert rcvd is not None, "connection ended without a close frame"
    assert rcvd.code == (NO_STATUS if expected_code is None else expected_code)


async def replay(vector, url):
    shape = vector["match"] == "shape"
    async with websockets.connect(url, ping_interval=None, max_size=None, compression=None,
                                  open_timeout=5, close_timeout=5) as ws:
        pongs = []
        we_closed = False
        for n, step in enumerate(vector["steps"]):
            where = f"step {n}: {json.dumps(step)}"
            if step["dir"] == "c2s":
                if "json" in step:
                    await ws.send(json.dumps(step["json"]))
                elif "text" in step:
                    await ws.send(step["text"])
                elif "binary_hex" in step:
                    await ws.send(bytes.fromhex(step["binary_hex"]))
                elif "ping" in step:
                    pongs.append(await ws.ping(step["ping"].encode()))
                elif "close" in step:
                    await ws.close(step["close"]["code"], step["close"].get("reason", ""))
                    we_closed = True
                elif "idle_ms" in step:
                    await asyncio.sleep(step["idle_ms"] / 1000)  # the vector's own idle period
                else:
                    raise AssertionError(f"unknown c2s step kind: {where}")
            else:
                if "json" in step:
                    msg = await asyncio.wait_for(ws.recv(), RECV_TIMEOUT)
                    assert isinstance(msg, str), f"{where}: got a binary frame {msg!r}"
                    got = json.loads(msg)
                    assert json_matches(step["json"], got, shape), f"{where}\n  got {msg}"
                elif "pong" in step:
                    assert pongs, f"{where}: no ping outstanding"
                    await asyncio.wait_for(pongs.pop(0), RECV_TIMEOUT)
                elif "close" in step:
                    if we_closed:
                        rcvd = ws.protocol.close_rcvd
                        assert rcvd is not None, f"{where}: the server did not answer our close"
                        code = step["close"]["code"]
                        assert rcvd.code == (NO_STATUS if code is None else code), where
                    else:
                        await expect_close(ws, step["close"]["code"])
                elif "none_within_ms" in step:
                    try:
                        msg = await asyncio.wait_for(ws.recv(), step["none_within_ms"] / 1000)
                    except asyncio.TimeoutError:
                        continue
                    pytest.fail(f"{where}: expected silence, got {msg!r}")
                else:
                    raise AssertionError(f"unknown s2c step kind: {where}")


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_vector(vector, start_server, tmp_path):
    if vector["name"] in SKIPPED:
        pytest.skip(SKIPPED[vector["name"]])
    server = start_server(*server_args(vector, tmp_path))
    asyncio.run(replay(vector, server.url))


def test_every_vector_is_known():
    """The vector file holds the 65 vectors of realm.md section 14."""
    assert len(VECTORS) == 65
    assert len({v["name"] for v in VECTORS}) == len(VECTORS)
