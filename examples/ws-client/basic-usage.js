// Upstream docs/CLIENT.md, "Basic Usage" (only the import line changed).
const { WSClient } = require('@realm-ai/ws-client');

// Create a client instance
const client = new WSClient({
  serverUrl: 'wss://your-server-url',
  clientId: 'your-client-id',
  privateKeyPath: './path/to/private_key',
  autoConnect: true // Optional: connect automatically
});

// Handle connection changes
client.onConnectionChange((status) => {
  console.log(`Connection status: ${status}`);
});

// Handle errors
client.onError((error) => {
  console.error(`Error: ${error.message} (${error.code})`);
});

// List available models
async function listModels() {
  try {
    const models = await client.listModels();
    console.log('Available models:', models);
  } catch (err) {
    console.error('Failed to list models:', err);
  }
}

// Generate text
async function generateText() {
  try {
    // Start generation
    const generationId = await client.generate(
      'Write a short story about a robot learning to paint',
      'llama2', // Optional: model name
      { temperature: 0.7 } // Optional: generation options
    );

    // Handle token stream
    client.onToken((event) => {
      if (event.id === generationId) {
        process.stdout.write(event.token);
      }
    });

    // Handle generation completion
    client.onGenerationEnd((event) => {
      if (event.id === generationId) {
        console.log(`\nGeneration complete: ${event.totalTokens} tokens in ${event.elapsedTime}ms`);
      }
    });
  } catch (err) {
    console.error('Generation failed:', err);
  }
}

// --- driver (not part of the document) ---
listModels().then(generateText);
