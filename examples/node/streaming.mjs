// Streaming with @realm-ai/ws-client: for await over tokens, early exit, abort.
import { RealmWebSocketClient } from "@realm-ai/ws-client";

const client = new RealmWebSocketClient({
  url: process.env.REALM_URL ?? "ws://localhost:8080",
  model: "llama-2-7b",
  apiKey: process.env.REALM_API_KEY ?? "your-api-key",
});
await client.connect();

// 1. Print a whole stream as it arrives.
for await (const token of client.generateStream({ prompt: "Tell me a story", max_tokens: 100 })) {
  process.stdout.write(token);
}
process.stdout.write("\n");

// 2. Leaving the loop early cancels the request (on the server too, when it supports cancel).
let count = 0;
for await (const token of client.generateStream({ prompt: "Count forever", max_tokens: 10000 })) {
  if (++count === 10) break;
}
console.log(`stopped after ${count} tokens`);

// 3. An AbortSignal cancels a stream (or any other call) from elsewhere.
const controller = new AbortController();
setTimeout(() => controller.abort(), 50);
try {
  for await (const token of client.generateStream({ prompt: "Slow story", max_tokens: 10000, signal: controller.signal })) {
    process.stdout.write(token);
  }
} catch (error) {
  console.log(`\naborted: ${error.code}`); // "CANCELLED"
}

// 4. Every token of every request is also an event.
client.on("token", (token) => process.stdout.write(`[${token.trim()}]`));
await client.generate({ prompt: "Events", max_tokens: 5, stream: true });
process.stdout.write("\n");

await client.disconnect();
