// Calls the SDK documents show, exactly as written there (issue 14, section 3).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { RealmWebSocketClient } from '@realm-ai/ws-client';
import { startServer } from './helpers.mjs';

let server;
before(async () => {
  server = await startServer([]);
});
after(async () => {
  await server.stop();
});

test('executePipeline("rag-pipeline", {query, context}) answers from the context', async () => {
  const client = new RealmWebSocketClient({ url: server.url, model: 'm' });
  await client.connect();
  const out = await client.executePipeline('rag-pipeline', {
    query: 'What is machine learning?',
    context: 'Machine learning is...',
  });
  assert.match(out.text, /Context: Machine learning is\.\.\.\nQuestion: What is machine learning\?/);
  await client.disconnect();
});

test('client.disconnect(); client.isConnected() is false without awaiting', async () => {
  const client = new RealmWebSocketClient({ url: server.url, model: 'm' });
  await client.connect();
  assert.equal(client.isConnected(), true);
  const closing = client.disconnect();
  assert.equal(client.isConnected(), false);
  await closing;
  assert.equal(client.isConnected(), false);
});
