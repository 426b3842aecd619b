/**
 * The `gateway` command line (CONTRACT §2).
 */
import { ConfigError, formatDiagnostic } from '../errors.js';
import { flag, parseArgs } from './args.js';

const USAGE = `usage: gateway <command> [options]

  serve [--config gateway.config.yaml]          start the public and admin listeners
  validate [FILES…] [--config …] [--json]       check config and descriptors; exit 1 on any error
  inspect [PROVIDER…] [--config …]              print each route's compiled stages
  test [PROVIDER…] [--config …]                 run the descriptors' example exchanges offline
  sandbox-wallet [--port 9000]                  serve the embedded demo ledger over HTTP
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const args = parseArgs(rest, ['json', 'help']);
  const config = flag(args, 'config');
  try {
    switch (command) {
      case 'serve':
        return await (await import('./serve.js')).serve(config);
      case 'validate':
        return await (await import('./validate.js')).validate(args.positionals, config, args.flags.has('json'));
      case 'inspect':
        return await (await import('./inspect.js')).inspect(args.positionals, config);
      case 'test':
        return await (await import('./conformance.js')).conformance(args.positionals, config);
      case 'sandbox-wallet':
        return await (await import('./sandbox-wallet.js')).sandboxWallet(Number(flag(args, 'port') ?? 9000));
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return command === undefined ? 1 : 0;
      default:
        process.stderr.write(`unknown command: ${command}\n\n${USAGE}`);
        return 1;
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const d of e.diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
      return 1;
    }
    throw e;
  }
}
