// Upstream docs/CLIENT.md, "Examples: Multiple Concurrent Generations" (only
// the import line changed). The document's snippet uses a connected `client`.
const { WSClient } = require('@realm-ai/ws-client');

const client = new WSClient({
  serverUrl: 'wss://your-server-url',
  clientId: 'your-client-id',
  privateKeyPath: './path/to/private_key'
});

// Track active generations
const activeGenerations = new Map();

// Setup token handler once
client.onToken((event) => {
  const generation = activeGenerations.get(event.id);
  if (generation) {
    generation.tokens.push(event.token);
    if (generation.onToken) {
      generation.onToken(event.token);
    }
  }
});

// Setup completion handler once
client.onGenerationEnd((event) => {
  const generation = activeGenerations.get(event.id);
  if (generation && generation.onComplete) {
    const fullText = generation.tokens.join('');
    generation.onComplete({
      text: fullText,
      totalTokens: event.totalTokens,
      elapsedTime: event.elapsedTime
    });
  }
  activeGenerations.delete(event.id);
});

// Function to generate text
async function generate(prompt, model, options = {}) {
  return new Promise(async (resolve, reject) => {
    try {
      const id = await client.generate(prompt, model, options);

      activeGenerations.set(id, {
        prompt,
        model,
        tokens: [],
        onToken: options.onToken,
        onComplete: (result) => resolve(result)
      });

      // Add timeout for safety
      setTimeout(() => {
        if (activeGenerations.has(id)) {
          activeGenerations.delete(id);
          reject(new Error('Generation timed out'));
        }
      }, options.timeout || 60000);

    } catch (err) {
      reject(err);
    }
  });
}

// Example usage
async function runMultipleGenerations() {
  try {
    // Start multiple generations in parallel
    const results = await Promise.all([
      generate('Write a poem about the ocean', 'llama2', {
        onToken: (token) => process.stdout.write('\u001b[34m' + token + '\u001b[0m')
      }),
      generate('Write a short story about robots', 'llama2:7b', {
        onToken: (token) => process.stdout.write('\u001b[32m' + token + '\u001b[0m')
      })
    ]);

    console.log('\nAll generations complete!');
    console.log(`Generated ${results.length} texts with a total of ${
      results.reduce((sum, r) => sum + r.totalTokens, 0)
    } tokens`);
  } catch (err) {
    console.error('Generation failed:', err);
  }
}

// --- driver (not part of the document) ---
// The document's 60 s safety timers are never cleared: exit when done.
runMultipleGenerations().then(() => process.exit(0));
