"""tekton_llm_client's documented usage (docs/tekton.md, tekton.md 6): the
README examples run verbatim in a fresh interpreter against realm-server, the
example of the main job, and mypy --strict on the installed package, on typed
usage and on the documented mistakes. Requests, errors and configuration:
test_tekton_client.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import RHETOR_ENV, SENTENCE, Server, free_port, http_url

pytestmark = [pytest.mark.timeout(60), pytest.mark.usefixtures("clean_rhetor_env")]


# ---------------------------------------------------------------- README examples (tekton.md 6)

README_BASIC = '''
import asyncio
from tekton_llm_client import TektonLLMClient

async def main():
    # Initialize the client
    client = TektonLLMClient(
        component_id="my-component",
        rhetor_url="http://localhost:8003"  # URL to your Rhetor service
    )
    
    # Initialize the connection
    await client.initialize()
    
    # Generate text
    response = await client.generate_text(
        prompt="What is the capital of France?",
        system_prompt="You are a helpful assistant that provides accurate information."
    )
    
    print(f"Response: {response.content}")
    
    # Clean up
    await client.shutdown()

# Run the async function
asyncio.run(main())
'''

README_CHAT = '''
import asyncio
from tekton_llm_client import TektonLLMClient
from tekton_llm_client.models import Message, MessageRole

async def chat_example():
    # Initialize the client
    client = TektonLLMClient(component_id="my-component")
    await client.initialize()
    
    # Create a conversation
    messages = [
        Message(role=MessageRole.SYSTEM, content="You are a helpful assistant."),
        Message(role=MessageRole.USER, content="Hello, how are you?"),
        Message(role=MessageRole.ASSISTANT, content="I'm doing well! How can I help you today?"),
        Message(role=MessageRole.USER, content="What's the weather like in Paris?")
    ]
    
    # Get a response
    response = await client.generate_chat_response(messages=messages)
    
    print(f"Assistant: {response.content}")
    
    # Clean up
    await client.shutdown()

asyncio.run(chat_example())
'''

README_STREAMING = '''
import asyncio
from tekton_llm_client import TektonLLMClient
from tekton_llm_client.models import StreamingChunk

async def streaming_example():
    # Initialize the client
    client = TektonLLMClient(component_id="my-component")
    await client.initialize()
    
    # Define a callback for streaming chunks
    def handle_chunk(chunk: StreamingChunk):
        print(chunk.chunk, end="", flush=True)
        if chunk.done:
            print("\\n--- Streaming complete ---")
    
    # Stream a response
    prompt = "Write a short poem about artificial intelligence."
    
    print("Streaming response:\\n")
    
    async for chunk in client.generate_text(
        prompt=prompt,
        streaming=True
    ):
        handle_chunk(chunk)
    
    # Clean up
    await client.shutdown()

asyncio.run(streaming_example())
'''

README_ADVANCED = '''
import asyncio
from tekton_llm_client import TektonLLMClient
from tekton_llm_client.utils import count_tokens, optimize_messages_for_token_limit

async def advanced_example():
    # Initialize the client
    client = TektonLLMClient(
        component_id="my-component",
        provider_id="anthropic",
        model_id="claude-3-sonnet-20240229",
        use_fallback=True  # Enable fallback if primary service is unavailable
    )
    await client.initialize()
    
    # Count tokens in text
    text = "This is a sample text that we'll count tokens for."
    token_count = count_tokens(text, model="claude-3-sonnet-20240229")
    print(f"Token count: {token_count}")
    
    # Create a long conversation
    messages = [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Tell me about AI."},
        {"role": "assistant", "content": "Artificial Intelligence (AI) refers to systems designed to perform tasks that typically require human intelligence..."},
        # ... more messages ...
        {"role": "user", "content": "What are the ethical concerns?"}
    ]
    
    # Optimize for token limit
    optimized_messages = optimize_messages_for_token_limit(
        messages=messages,
        max_tokens=4000,
        model="claude-3-sonnet-20240229",
        keep_system_prompt=True
    )
    
    # Use optimized messages
    response = await client.generate_chat_response(
        messages=optimized_messages,
        options={
            "temperature": 0.5,
            "max_tokens": 1000,
            "fallback_provider": "simulated",  # Fallback provider if primary fails
            "retry_count": 2  # Number of retries on failure
        }
    )
    
    print(f"Response: {response.content}")
    
    # Clean up
    await client.shutdown()

asyncio.run(advanced_example())
'''

README_ERRORS = '''
import asyncio
from tekton_llm_client import TektonLLMClient
from tekton_llm_client.exceptions import (
    TektonLLMError, ConnectionError, TimeoutError, 
    ServiceUnavailableError
)

async def error_handling_example():
    client = TektonLLMClient(component_id="my-component")
    
    try:
        await client.initialize()
        response = await client.generate_text("Hello, world!")
        print(f"Response: {response.content}")
    except ConnectionError:
        print("Failed to connect to the LLM service")
    except TimeoutError:
        print("Request timed out")
    except ServiceUnavailableError:
        print("LLM service is currently unavailable")
    except TektonLLMError as e:
        print(f"LLM error: {str(e)}")
    finally:
        await client.shutdown()

asyncio.run(error_handling_example())
'''


def run_readme(code: str, url: str) -> str:
    """Runs a README example verbatim (only its localhost URL pointed at
    realm-server) in a fresh interpreter with RHETOR_URL set."""
    env = {k: v for k, v in os.environ.items() if k not in RHETOR_ENV}
    env["RHETOR_URL"] = url
    proc = subprocess.run([sys.executable, "-c", code.replace("http://localhost:8003", url)],
                          capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_readme_basic_usage(shared_server: Server) -> None:
    out = run_readme(README_BASIC, http_url(shared_server))
    assert out == "Response: " + SENTENCE + " What " + "\n"


def test_the_example_of_the_main_job_runs(shared_server: Server) -> None:
    path = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python", "tekton_client.py")
    r = subprocess.run([sys.executable, path], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, RHETOR_URL=http_url(shared_server)))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Response: The capital of France is Paris.")
    assert "\nAssistant: The capital" in r.stdout
    assert r.stdout.rstrip().endswith("--- Streaming complete ---")


def test_readme_chat_conversation(shared_server: Server) -> None:
    out = run_readme(README_CHAT, http_url(shared_server))
    assert out.startswith("Assistant: The capital of France is Paris.")
    assert "simulated response to: What's" in out  # the last user message was answered


def test_readme_streaming(shared_server: Server) -> None:
    out = run_readme(README_STREAMING, http_url(shared_server))
    assert out.startswith("Streaming response:\n\nThe capital of France is Paris.")
    assert out.count("--- Streaming complete ---") == 1  # exactly one done chunk
    assert out.endswith("\n--- Streaming complete ---\n")


def test_readme_advanced_features(shared_server: Server) -> None:
    out = run_readme(README_ADVANCED, http_url(shared_server))
    lines = out.splitlines()
    text = "This is a sample text that we'll count tokens for."
    assert lines[0] == f"Token count: {len(text) // 4 + 1}"
    assert lines[1].startswith("Response: The capital of France is Paris.")


def test_readme_error_handling_reaches_the_server(shared_server: Server) -> None:
    out = run_readme(README_ERRORS, http_url(shared_server))
    assert out.startswith("Response: The capital of France is Paris.")


def test_readme_error_handling_without_a_server() -> None:
    out = run_readme(README_ERRORS, f"http://127.0.0.1:{free_port()}")
    assert out == "LLM service is currently unavailable\n"  # initialize() failed: no request sent


# ---------------------------------------------------------------- typing

TYPED_USAGE = '''
from __future__ import annotations

import asyncio
from typing import List

from tekton_llm_client import ChunkStream, TektonLLMClient
from tekton_llm_client.exceptions import RateLimitError, TektonLLMError
from tekton_llm_client.models import CompletionResponse, Message, MessageRole, StreamingChunk
from tekton_llm_client.utils import count_message_tokens, count_tokens, optimize_messages_for_token_limit


async def main(url: str) -> None:
    client = TektonLLMClient(component_id="typed", rhetor_url=url, timeout=10)
    ok: bool = await client.initialize()
    response: CompletionResponse = await client.generate_text("Hi", system_prompt="Be brief",
                                                              options={"max_tokens": 2, "temperature": 0.5})
    print(ok, response.content, response.success, response.usage)
    async for chunk in client.generate_text("Hi", streaming=True):
        text: str = chunk.chunk
        print(text, chunk.done)
    stream: ChunkStream = await client.generate_text("Hi", streaming=True)
    async for c in stream:
        print(c.chunk)
    messages: List[Message] = [Message(role=MessageRole.USER, content="Hi")]
    chat = await client.generate_chat_response(messages, options={"stop_sequences": ["x"]})
    print(chat.content, count_tokens(chat.content), count_message_tokens(messages)["total_tokens"])
    dicts = optimize_messages_for_token_limit([{"role": "user", "content": "Hi"}], 10)
    print(dicts[0]["content"])
    try:
        await client.generate_chat_response(dicts, streaming=False)
    except RateLimitError as e:
        print(e.retry_after)
    except TektonLLMError as e:
        print(e.code, e.http_status)
    providers = await client.get_providers()
    print(providers.default_model, list(providers.providers))

    def on_chunk(chunk: StreamingChunk) -> None:
        print(chunk.chunk)

    async for _ in client.generate_chat_response(messages, streaming=True, callback=on_chunk):
        pass
    await client.shutdown()


asyncio.run(main("http://127.0.0.1:1"))
'''

TYPED_MISTAKES = '''
import asyncio
from tekton_llm_client import TektonLLMClient


async def main() -> None:
    client = TektonLLMClient(component_id="typed")
    await client.generate_text("Hi", options={"temprature": 0.5})
    await client.generate_text("Hi", options={"max_tokens": "ten"})
    response = await client.generate_text("Hi")
    response.text
    async for c in await client.generate_text("Hi"):
        pass
'''


def run_mypy(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    if subprocess.run([sys.executable, "-c", "import mypy"], capture_output=True).returncode != 0:
        pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "mypy"],
                             capture_output=True, text=True, timeout=600)
        assert pip.returncode == 0, pip.stdout + pip.stderr
    return subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--show-error-codes",
                           "--cache-dir", str(tmp_path / "cache"), *args],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)


@pytest.mark.timeout(600)
def test_mypy_strict(tmp_path: Path) -> None:
    """mypy --strict passes on the installed package and on typed usage, and
    catches the documented mistakes (one error per line of TYPED_MISTAKES
    from its 8th line on)."""
    (tmp_path / "usage.py").write_text(TYPED_USAGE)
    (tmp_path / "mistakes.py").write_text(TYPED_MISTAKES)
    run = run_mypy(tmp_path, "-p", "tekton_llm_client")
    assert run.returncode == 0, run.stdout + run.stderr
    run = run_mypy(tmp_path, "usage.py")
    assert run.returncode == 0, run.stdout + run.stderr
    run = run_mypy(tmp_path, "mistakes.py")
    assert run.returncode == 1, run.stdout + run.stderr
    lines = sorted({int(l.split(":")[1]) for l in run.stdout.splitlines() if ": error:" in l})
    assert lines == [8, 9, 11, 12], run.stdout
