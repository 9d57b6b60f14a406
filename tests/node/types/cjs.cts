// Type test (tsc --noEmit): the CommonJS entry.
import realm = require('@realm-ai/ws-client');

export async function quickStart(): Promise<void> {
  const { RealmWebSocketClient, RealmError } = realm;
  const client = new RealmWebSocketClient({ url: 'ws://localhost:8080', model: 'llama-2-7b', apiKey: 'your-api-key' });
  await client.connect();
  console.log('Tenant ID:', client.getTenantId());
  const result: realm.GenerateResult = await client.generate({ prompt: 'What is the capital of France?', max_tokens: 50 });
  console.log(result.text);
  for await (const token of client.generateStream({ prompt: 'Tell me a story', max_tokens: 100 })) {
    process.stdout.write(token);
  }
  client.disconnect();
  const e = new RealmError('TIMEOUT', 'x');
  const code: string = e.code;
  void code;
}

export async function wsClient(): Promise<void> {
  const { WSClient } = realm;
  const client = new WSClient({ serverUrl: 'ws://localhost:3000', clientId: 'id', privateKeyPath: './key.pem' });
  const id: string = await client.generate('Hello world', 'llama2');
  const stream: realm.GenerationStream = client.generateStream('Hello');
  for await (const token of stream) process.stdout.write(token);
  const result: realm.GenerationResult | undefined = stream.result;
  void [id, result];
  client.disconnect();
}
