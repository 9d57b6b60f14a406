"""The package's types catch mistakes: `mypy --strict` passes
typing/ok_usage.py and reports an error on exactly the lines of
typing/bad_usage.py marked with an "E:" comment (an unknown option, a wrong type, a
missing prompt, ...). ok_usage.py is also run against realm-server, so the
typed usage is real usage. mypy is pip-installed here when missing."""

from __future__ import annotations

import asyncio
import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Dict, Iterator, List, Set

import pytest

from conftest import Server

HERE = Path(__file__).resolve().parent / "typing"
ERROR_LINE = re.compile(r"^(?P<file>[^:]+\.py):(?P<line>\d+): error: (?P<text>.*)$")


def ensure_mypy() -> None:
    if subprocess.run([sys.executable, "-c", "import mypy"], capture_output=True).returncode == 0:
        return
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "mypy"],
                         capture_output=True, text=True, timeout=600)
    if pip.returncode != 0:
        pytest.fail("could not pip-install mypy:\n" + pip.stdout + pip.stderr)


@pytest.fixture(scope="module")
def mypy_errors(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Dict[int, List[str]]]:
    """mypy --strict on both files (one run): errors by file name and line."""
    ensure_mypy()
    cache = tmp_path_factory.mktemp("mypy-cache")
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--show-error-codes",
         "--cache-dir", str(cache), "ok_usage.py", "bad_usage.py"],
        cwd=HERE, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode in (0, 1), run.stdout + run.stderr  # 2 = mypy itself failed
    errors: Dict[str, Dict[int, List[str]]] = {"ok_usage.py": {}, "bad_usage.py": {}}
    for line in run.stdout.splitlines():
        m = ERROR_LINE.match(line)
        if m:
            errors.setdefault(Path(m["file"]).name, {}).setdefault(int(m["line"]), []).append(m["text"])
    return errors


@pytest.mark.timeout(600)
def test_ok_usage_passes_mypy_strict(mypy_errors: Dict[str, Dict[int, List[str]]]) -> None:
    assert mypy_errors["ok_usage.py"] == {}


@pytest.mark.timeout(600)
def test_bad_usage_fails_on_every_documented_mistake(mypy_errors: Dict[str, Dict[int, List[str]]]) -> None:
    lines = (HERE / "bad_usage.py").read_text().splitlines()
    marked: Set[int] = {i for i, text in enumerate(lines, 1) if re.search(r"\S\s+# E: ", text)}
    assert len(marked) >= 15
    found = mypy_errors["bad_usage.py"]
    assert sorted(marked - set(found)) == [], "documented mistakes mypy did not report"
    assert {n: found[n] for n in sorted(set(found) - marked)} == {}, "errors on lines not marked E:"
    # The two the options exist for: an unknown key and a wrong type.
    def line_of(needle: str) -> int:
        return next(i for i, text in enumerate(lines, 1) if needle in text)

    assert any('"temprature"' in e for e in found[line_of('generate({"prompt": "x", "temprature"')])
    assert any('"max_tokens"' in e for e in found[line_of('"max_tokens": "5"})')])


def load_ok_usage() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ok_usage", HERE / "ok_usage.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def typing_server() -> Iterator[Server]:
    s = Server()
    yield s
    s.stop()


@pytest.mark.parametrize("path", ["/", "/v1/chat/completions", "http"])
def test_ok_usage_runs(typing_server: Server, path: str) -> None:
    ok = load_ok_usage()
    url = f"http://127.0.0.1:{typing_server.port}/v1" if path == "http" else f"ws://127.0.0.1:{typing_server.port}{path}"
    out = asyncio.run(ok.run_async(url, "realm-sim"))
    assert len(out) >= 5 and all(isinstance(x, str) for x in out)
    if path == "http":
        assert out[-2:] == ["ok", "realm-sim"]  # health, then the model list
    else:
        assert out[-1] == "INVALID_ARGUMENT" or out[-1] == "healthy"
    sync_out = ok.run_sync(url, "realm-sim")
    assert len(sync_out) >= 4
