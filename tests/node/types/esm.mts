// Type test (tsc --noEmit): the ESM entry, the documented usage and every API.
import RealmDefault, {
  RealmWebSocketClient,
  RealmError,
  ErrorCodes,
  TokenStream,
  errorTable,
  coreVersion,
  type RealmClientOptions,
  type GenerateOptions,
  type GenerateResult,
  type HealthStatus,
  type RuntimeMetadata,
  type ConnectedEvent,
  type DisconnectedEvent,
  type ReconnectingEvent,
  type RealmErrorCode,
} from '@realm-ai/ws-client';

export async function quickStart(): Promise<void> {
  const client = new RealmWebSocketClient({ url: 'ws://localhost:8080', model: 'llama-2-7b', apiKey: 'your-api-key' });
  await client.connect();
  console.log('Tenant ID:', client.getTenantId());
  const result = await client.generate({ prompt: 'What is the capital of France?', max_tokens: 50 });
  console.log(result.text);
  for await (const token of client.generateStream({ prompt: 'Tell me a story', max_tokens: 100 })) {
    process.stdout.write(token);
  }
  client.disconnect();
}

export async function everything(): Promise<void> {
  const options: RealmClientOptions = {
    model: 'm',
    url: 'ws://127.0.0.1:1',
    apiKey: 'k',
    tenantId: 't-1',
    reconnect: true,
    reconnectInterval: 5000,
    timeout: 30000,
    connectTimeout: 1000,
    idleTimeout: 0,
    backoffCap: 30000,
    backoffMaxAttempts: 10,
    backoffJitterPercent: 20,
    pingInterval: 30000,
    tlsCaFile: '/ca.pem',
    tlsInsecure: false,
    maxMessageSize: 1 << 24,
    maxQueuedRequests: 4096,
    busyPollUs: 100,
  };
  const client: RealmWebSocketClient = new RealmDefault(options);
  const ac = new AbortController();
  await client.connect({ signal: ac.signal });
  const connected: boolean = client.isConnected();
  const tenant: string | undefined = client.getTenantId();
  const state: 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'closed' = client.getState();
  const version: string | undefined = client.getServerVersion();
  const ext: boolean = client.hasExtension('cancel');
  const g: GenerateOptions = {
    prompt: 'p',
    max_tokens: 1,
    temperature: 0.7,
    top_p: 0.9,
    top_k: 40,
    repetition_penalty: 1.1,
    model: 'm2',
    stream: false,
    signal: ac.signal,
    timeout: 1000,
    idleTimeout: 100,
    extraParams: { delay_ms: 1 },
  };
  const r: GenerateResult = await client.generate(g);
  const n: number = r.tokens_generated;
  const pt: number | undefined = r.prompt_tokens;
  const cost: number | undefined = r.cost_usd;
  const ms: number | undefined = r.time_ms;
  const stream: TokenStream = client.generateStream({ prompt: 'p', signal: ac.signal });
  for await (const t of stream) {
    const s: string = t;
    void s;
  }
  await stream.cancel();
  const tg: number | undefined = stream.result?.tokens_generated;
  const pipe: unknown = await client.executePipeline('name', { prompt: 'x' }, { signal: ac.signal });
  const called: unknown = await client.call('generate', { prompt: 'x' }, { timeout: 1000 });
  const bare: unknown = await client.call('health');
  const h: HealthStatus = await client.health({ signal: ac.signal });
  const m: RuntimeMetadata = await client.metadata();
  const names: string[] = m.functions.map((f) => f.name);
  client
    .on('connected', (e: ConnectedEvent) => void e.tenantId)
    .on('disconnected', (e: DisconnectedEvent) => void e.code)
    .on('reconnecting', (e: ReconnectingEvent) => void e.attempt)
    .on('error', (e: RealmError) => void e.code)
    .on('token', (t: string) => void t);
  const onToken = (t: string): void => void t;
  client.on('token', onToken).off('token', onToken);
  // @ts-expect-error unknown event
  client.on('nope', () => {});
  // @ts-expect-error model is required
  new RealmWebSocketClient({ url: 'ws://x' });
  // @ts-expect-error prompt is required
  void client.generate({ max_tokens: 1 });
  await client.disconnect();
  client.close();
  void [connected, tenant, state, version, ext, n, pt, cost, ms, tg, pipe, called, bare, h, names, coreVersion, errorTable.length];
}

export async function errors(client: RealmWebSocketClient): Promise<void> {
  try {
    await client.generate({ prompt: 'x' });
  } catch (error) {
    if (error instanceof RealmError) {
      if (error.code === 'RATE_LIMIT_EXCEEDED') {
        const wait: number | undefined = error.retryAfter;
        void wait;
      }
      const code: RealmErrorCode | string = error.code;
      const retryable: boolean = error.retryable;
      void [code, retryable, error.message, error.category, error.closeCode, error.httpStatus, error.status];
    }
  }
  const c: 'RATE_LIMIT_EXCEEDED' = ErrorCodes.RATE_LIMIT_EXCEEDED;
  void c;
}
