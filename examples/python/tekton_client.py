"""The Tekton LLM client README's examples (basic, chat, streaming), on
librealm's core, against the Rhetor-compatible server named by $RHETOR_URL
(default http://localhost:8003). realm-server serves the Tekton routes on its
usual port; the main job points this at the gateway in front of SmolLM2:

    RHETOR_URL=http://127.0.0.1:8080 python3 examples/python/tekton_client.py
"""

import asyncio

from tekton_llm_client import TektonLLMClient
from tekton_llm_client.models import Message, MessageRole, StreamingChunk


async def main():
    # Initialize the client ($RHETOR_URL, else http://localhost:8003)
    client = TektonLLMClient(component_id="my-component")

    # Initialize the connection
    if not await client.initialize():
        raise SystemExit("the Tekton server is not available (set RHETOR_URL)")

    # Generate text
    response = await client.generate_text(
        prompt="What is the capital of France?",
        system_prompt="You are a helpful assistant that provides accurate information."
    )
    print(f"Response: {response.content}")

    # A conversation
    messages = [
        Message(role=MessageRole.SYSTEM, content="You are a helpful assistant."),
        Message(role=MessageRole.USER, content="Hello, how are you?"),
        Message(role=MessageRole.ASSISTANT, content="I'm doing well! How can I help you today?"),
        Message(role=MessageRole.USER, content="What's the weather like in Paris?")
    ]
    response = await client.generate_chat_response(messages=messages)
    print(f"Assistant: {response.content}")

    # Stream a response
    def handle_chunk(chunk: StreamingChunk):
        print(chunk.chunk, end="", flush=True)
        if chunk.done:
            print("\n--- Streaming complete ---")

    print("Streaming response:\n")
    async for chunk in client.generate_text(
        prompt="Write a short poem about artificial intelligence.",
        streaming=True
    ):
        handle_chunk(chunk)

    # Clean up
    await client.shutdown()


asyncio.run(main())
