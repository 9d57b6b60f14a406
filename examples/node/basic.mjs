// Basic usage of @realm-ai/ws-client: connect, one generation, health, disconnect.
//   node examples/node/basic.mjs            (server at ws://localhost:8080)
//   REALM_URL=ws://127.0.0.1:9000 REALM_API_KEY=sk_... node examples/node/basic.mjs
import { RealmWebSocketClient } from "@realm-ai/ws-client";

const client = new RealmWebSocketClient({
  url: process.env.REALM_URL ?? "ws://localhost:8080",
  model: "llama-2-7b",
  apiKey: process.env.REALM_API_KEY ?? "your-api-key",
});

client.on("connected", ({ tenantId }) => console.log("connected as tenant", tenantId));
client.on("disconnected", ({ code, reason }) => console.log("disconnected", code, reason));

await client.connect();
console.log("Tenant ID:", client.getTenantId());

const result = await client.generate({ prompt: "What is the capital of France?", max_tokens: 50 });
console.log("Answer:", result.text);
console.log("Tokens:", result.tokens_generated, "prompt tokens:", result.prompt_tokens, "cost:", result.cost_usd);

const health = await client.health();
console.log("Server health:", health.status, "version", health.version);

await client.disconnect();
