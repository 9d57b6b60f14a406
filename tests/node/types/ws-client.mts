// Type test (tsc --noEmit): WSClient, as upstream's docs/CLIENT.md uses it, and every member.
import {
  WSClient,
  ConnectionStatus,
  GenerationStream,
  RealmError,
  type ClientOptions,
  type GenerationOptions,
  type GenerationResult,
  type TokenEvent,
  type GenerationStartEvent,
  type GenerationEndEvent,
  type ErrorObject,
  type ModelInfo,
  type PongEvent,
  type ReconnectInfo,
  type DisconnectInfo,
  type BatchMessage,
} from '@realm-ai/ws-client';

export async function seedBasicUsage(): Promise<void> {
  const client = new WSClient({
    serverUrl: 'wss://your-server-url',
    clientId: 'your-client-id',
    privateKeyPath: './path/to/private_key',
    autoConnect: true,
  });
  client.onConnectionChange((status) => {
    console.log(`Connection status: ${status}`);
  });
  client.onError((error) => {
    console.error(`Error: ${error.message} (${error.code})`);
    console.error(`Description: ${error.description}`);
  });
  const models = await client.listModels();
  console.log('Available models:', models);
  const generationId = await client.generate('Write a short story', 'llama2', { temperature: 0.7 });
  client.onToken((event) => {
    if (event.id === generationId) process.stdout.write(event.token);
  });
  client.onGenerationEnd((event) => {
    if (event.id === generationId) console.log(`${event.totalTokens} tokens in ${event.elapsedTime}ms`);
    if (event.isCancelled) console.log('Generation was cancelled');
  });
  client.onGenerationStart((event) => console.log(`Generation started with model ${event.model}`));
  await client.stopGeneration(generationId);
  await client.sendBatch([{ type: 'generate', prompt: 'Hello world', model: 'llama2' }, { type: 'models' }]);
  const unsubscribe = client.onConnectionChange((status) => console.log(status));
  unsubscribe();
  if (client.isReady()) console.log(client.getStatus());
  client.disconnect();
}

export async function everything(): Promise<void> {
  const options: ClientOptions = {
    serverUrl: 'ws://127.0.0.1:3000',
    clientId: 'id',
    privateKeyPath: '/k.pem',
    signatureAlgorithm: 'SHA256',
    autoReconnect: true,
    reconnectDelay: 1000,
    pingInterval: 30000,
    requestTimeout: 60000,
    autoConnect: false,
  };
  const inline: ClientOptions = { serverUrl: 'ws://x', clientId: 'id', privateKey: '-----BEGIN', privateKeyPassphrase: 'p' };
  void inline;
  const client = new WSClient(options);
  await client.connect();
  const s: ConnectionStatus = client.getStatus();
  const ready: boolean = client.isReady();
  const all: ConnectionStatus[] = Object.values(ConnectionStatus);
  const g: GenerationOptions = { temperature: 0.2, maxTokens: 5, num_ctx: 4096 };
  const id: string = await client.generate('p');
  const id2: string = await client.generate('p', undefined, g);
  const models: ModelInfo[] = await client.listModels();
  const name: string = models[0].name;
  const pong: PongEvent = await client.ping();
  const batch: BatchMessage[] = [
    { type: 'generate', prompt: 'x', options: { temperature: 1 } },
    { type: 'models' },
    { type: 'ping' },
    { type: 'stop', requestId: id },
  ];
  const ids: string[] = await client.sendBatch(batch);
  const controller = new AbortController();
  const stream: GenerationStream = client.generateStream('p', 'llama2', { signal: controller.signal, temperature: 1 });
  for await (const token of stream) {
    const t: string = token;
    void t;
  }
  const result: GenerationResult | undefined = stream.result;
  const text: string | undefined = result?.text;
  const sid: string | undefined = stream.id;
  await stream.cancel();
  const unsubs: Array<() => void> = [
    client.onToken((e: TokenEvent) => void [e.id, e.token, e.timestamp]),
    client.onGenerationStart((e: GenerationStartEvent) => void [e.id, e.model, e.timestamp]),
    client.onGenerationEnd((e: GenerationEndEvent) => void [e.id, e.totalTokens, e.elapsedTime, e.isCancelled]),
    client.onError((e: ErrorObject) => void [e.message, e.code, e.description, e.id, e instanceof RealmError, e.retryAfter]),
    client.onConnectionChange((st: ConnectionStatus) => void st),
  ];
  for (const u of unsubs) u();
  client
    .on('reconnecting', (info: ReconnectInfo) => void [info.attempt, info.delay, info.maxAttempts])
    .on('disconnected', (info: DisconnectInfo) => void [info.code, info.reason])
    .on('auth_failed', (why: string) => void why)
    .on('pong', (p: PongEvent) => void p.latency)
    .on('ack', (a) => void a.requestId)
    .on('models', (m) => void m.models.length)
    .once('authenticated', () => {})
    .off('error', () => {});
  // @ts-expect-error serverUrl is required
  new WSClient({ clientId: 'x', privateKeyPath: 'k' });
  // @ts-expect-error prompt must be a string
  void client.generate(42);
  await client.disconnect();
  client.close();
  void [s, ready, all, id2, name, pong, ids, text, sid];
}
