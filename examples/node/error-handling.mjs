// Error handling with @realm-ai/ws-client: every error is a RealmError with a
// `code` from the core's error table, a message and, for rate limits, `retryAfter` (ms).
import { RealmWebSocketClient, RealmError } from "@realm-ai/ws-client";

const client = new RealmWebSocketClient({
  url: process.env.REALM_URL ?? "ws://localhost:8080",
  model: "llama-2-7b",
  apiKey: process.env.REALM_API_KEY ?? "your-api-key",
  timeout: 30000, // per-request timeout (ms)
});

client.on("error", (error) => console.error("connection error:", error.code, error.message));
client.on("reconnecting", ({ attempt, delay }) => console.log(`reconnecting (attempt ${attempt}) in ${delay} ms`));

try {
  await client.connect();
} catch (error) {
  // CONNECT_FAILED, TIMEOUT, UNAUTHORIZED (bad API key: no reconnect loop), ...
  console.error(`could not connect: ${error.code}: ${error.message}`);
  process.exit(1);
}

async function generateWithRetry(options, attempts = 3) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.generate(options);
    } catch (error) {
      if (!(error instanceof RealmError)) throw error;
      if (error.code === "RATE_LIMIT_EXCEEDED" && attempt < attempts) {
        console.log(`Rate limited. Retry after ${error.retryAfter}ms`);
        await new Promise((resolve) => setTimeout(resolve, error.retryAfter ?? 1000));
        continue;
      }
      if (error.code === "UNAUTHORIZED") console.error("Authentication failed:", error.message);
      else if (error.code === "TIMEOUT") console.error("Request timed out");
      else if (error.code === "CONNECTION_LOST") console.error("Connection lost; the client reconnects by itself");
      else console.error(`Error ${error.code}: ${error.message}`);
      throw error;
    }
  }
}

const result = await generateWithRetry({ prompt: "What is the capital of France?", max_tokens: 50 });
console.log(result.text);

// Per-call timeouts and cancellation.
try {
  await client.generate({ prompt: "Write a novel", max_tokens: 100000, stream: true, timeout: 100 });
} catch (error) {
  console.log("per-call timeout:", error.code); // "TIMEOUT"
}
try {
  await client.generate({ prompt: "Write a novel", max_tokens: 100000, stream: true, signal: AbortSignal.timeout(50) });
} catch (error) {
  console.log("aborted:", error.code); // "CANCELLED"
}

// Streams throw from the for await loop.
try {
  for await (const token of client.generateStream({ prompt: "Hello", max_tokens: 5 })) process.stdout.write(token);
  process.stdout.write("\n");
} catch (error) {
  console.error("stream failed:", error.code, error.message);
}

await client.disconnect();
