// Upstream docs/CLIENT.md, "API Reference": every snippet, in the document's
// order (only the import line changed). The snippets are fragments; the
// client is made as in "Basic Usage" and they run inside one async function.
const { WSClient } = require('@realm-ai/ws-client');

const client = new WSClient({
  serverUrl: 'wss://your-server-url',
  clientId: 'your-client-id',
  privateKeyPath: './path/to/private_key'
});

async function main() {
  // ### Connection Methods

  // #### `connect()`
  await client.connect();

  // #### `getStatus()`
  const status = client.getStatus();
  // Possible values: 'disconnected', 'connecting', 'connected',
  // 'authenticated', 'auth_failed', 'reconnecting', 'reconnect_failed'
  console.log(`status: ${status}`);

  // #### `isReady()`
  if (client.isReady()) {
    // Client is ready to send requests
    console.log('ready');
  }

  // ### Event Handling

  // #### `onConnectionChange(callback)`
  const unsubscribe = client.onConnectionChange((status) => {
    console.log(`Connection status changed: ${status}`);
  });

  // Later to unsubscribe:
  unsubscribe();

  // #### `onToken(callback)`
  client.onToken((event) => {
    console.log(`Received token for ${event.id}: ${event.token}`);
  });

  // #### `onGenerationStart(callback)`
  client.onGenerationStart((event) => {
    console.log(`Generation started with model ${event.model}`);
  });

  // #### `onGenerationEnd(callback)`
  client.onGenerationEnd((event) => {
    console.log(`Generation complete: ${event.totalTokens} tokens`);
    console.log(`Time taken: ${event.elapsedTime}ms`);
    if (event.isCancelled) {
      console.log('Generation was cancelled');
    }
  });

  // #### `onError(callback)`
  client.onError((error) => {
    console.error(`Error: ${error.message}`);
    console.error(`Code: ${error.code}`);
    console.error(`Description: ${error.description}`);
  });

  // ### Text Generation Methods

  // #### `generate(prompt, model?, options?)`
  const generationId = await client.generate(
    'Explain quantum computing',
    'llama2',
    { temperature: 0.7, max_tokens: 500 }
  );

  // #### `stopGeneration(generationId)`
  await client.stopGeneration(generationId);

  // ### Model Management Methods

  // #### `listModels()`
  const models = await client.listModels();
  console.log(`models: ${models.map((m) => m.name).join(', ')}`);

  // ### Batch Operations

  // #### `sendBatch(messages)`
  await client.sendBatch([
    {
      type: 'generate',
      prompt: 'Hello world',
      model: 'llama2'
    },
    {
      type: 'models'
    }
  ]);

  // --- driver (not part of the document) ---
  // Wait for the batch's generation, then disconnect (#### `disconnect()`).
  await new Promise((resolve) => client.onGenerationEnd((event) => event.isCancelled || resolve()));

  // #### `disconnect()`
  client.disconnect();
}

main();
