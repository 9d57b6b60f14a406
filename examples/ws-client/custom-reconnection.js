// Upstream docs/CLIENT.md, "Examples: Custom Reconnection Logic" (only the
// import line changed).
const { WSClient } = require('@realm-ai/ws-client');

const client = new WSClient({
  serverUrl: 'wss://your-server-url',
  clientId: 'your-client-id',
  privateKeyPath: './path/to/private_key',
  autoReconnect: false // Disable automatic reconnection
});

let reconnectAttempts = 0;

client.onConnectionChange((status) => {
  if (status === 'disconnected') {
    // Ask user if they want to reconnect
    if (shouldReconnect() && reconnectAttempts < 3) {
      reconnectAttempts++;
      console.log(`Manual reconnect attempt ${reconnectAttempts}...`);
      setTimeout(() => {
        client.connect().catch(console.error);
      }, 2000);
    }
  } else if (status === 'authenticated') {
    reconnectAttempts = 0;
  }
});

function shouldReconnect() {
  // In a real app, you might prompt the user
  return true;
}

// --- driver (not part of the document) ---
// Connect, drop the connection once, and stop after the manual reconnect.
let authenticated = 0;
client.onConnectionChange((status) => {
  if (status !== 'authenticated') return;
  authenticated++;
  console.log(`authenticated (${authenticated})`);
  if (authenticated === 1) client.disconnect();
  else process.exit(0);
});
client.connect();
