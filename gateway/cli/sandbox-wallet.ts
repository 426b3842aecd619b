/** `gateway sandbox-wallet`: the demo ledger as a canonical wallet over HTTP, for local work. */
import { SandboxLedger } from '../wallet/sandbox-ledger.js';
import { serveLedger } from '../wallet/sandbox-wallet.js';

export async function sandboxWallet(port: number): Promise<number> {
  const { url, server } = await serveLedger(new SandboxLedger(), port);
  process.stdout.write(`sandbox canonical wallet on ${url} (POST /{operation}); Ctrl-C to stop\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => void server.close(() => resolve());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
