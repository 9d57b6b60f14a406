"""Calls the SDK documents show, exactly as written there (issue 14, section 3)."""

from realm import Client, RealmWebSocketClient


async def test_rag_pipeline_with_query_and_context(server) -> None:
    client = RealmWebSocketClient(url=server.url)
    await client.connect()
    result = await client.execute_pipeline(
        "rag-pipeline", {"query": "What is machine learning?", "context": "Machine learning is..."}
    )
    assert "Context: Machine learning is...\nQuestion: What is machine learning?" in result["text"]
    await client.disconnect()


async def test_is_connected_is_false_once_disconnect_returns(server) -> None:
    client = RealmWebSocketClient(url=server.url)
    await client.connect()
    assert client.is_connected()
    await client.disconnect()
    assert not client.is_connected()


def test_blocking_client_disconnect(server) -> None:
    client = Client(url=server.url)
    client.connect()
    assert client.is_connected()
    client.disconnect()
    assert not client.is_connected()
