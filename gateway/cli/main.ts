/**
 * The `gateway` command line (CONTRACT §2).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs as parseStrict, type ParseArgsConfig } from 'node:util';
import { ConfigError, formatDiagnostic } from '../errors.js';
import { PACKAGE_ROOT } from '../paths.js';

const USAGE = `usage: gateway <command> [options]

  --version                                     print the version
  COMMAND --help                                that command's usage (starts nothing)

  serve [--config gateway.config.yaml]          start the public and admin listeners
  validate [FILES…] [--config …] [--json]       check config and descriptors; exit 1 on any error
  inspect [PROVIDER…] [--config …]              print each route's compiled stages
  test [PROVIDER…] [--config …]                 run the descriptors' example exchanges offline
  sandbox-wallet [--port 9000]                  serve the embedded demo ledger over HTTP
`;

/** Each command's flags (node:util parseArgs, strict): an unknown flag or a bad value is exit 2. */
const COMMANDS: Record<string, { options: NonNullable<ParseArgsConfig['options']>; positionals: boolean; usage: string }> = {
  serve: { options: { config: { type: 'string' } }, positionals: false, usage: 'gateway serve [--config gateway.config.yaml]\n  start the public and admin listeners' },
  validate: { options: { config: { type: 'string' }, json: { type: 'boolean' } }, positionals: true, usage: 'gateway validate [FILES…] [--config …] [--json]\n  check the config, descriptors and wallet descriptors; every problem as file:line:col; exit 1 on any' },
  inspect: { options: { config: { type: 'string' } }, positionals: true, usage: 'gateway inspect [PROVIDER…] [--config …]\n  print each route\'s and each outbound call\'s compiled stages' },
  test: { options: { config: { type: 'string' } }, positionals: true, usage: 'gateway test [PROVIDER…] [--config …]\n  run the descriptors\' example exchanges offline' },
  'sandbox-wallet': { options: { port: { type: 'string' } }, positionals: false, usage: 'gateway sandbox-wallet [--port 9000]\n  serve the embedded demo ledger over HTTP' },
};

function version(): string {
  return (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command === undefined ? 1 : 0;
  }
  const spec = COMMANDS[command];
  if (!spec) {
    process.stderr.write(`unknown command: ${command}\n\n${USAGE}`);
    return 1;
  }
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseStrict({ args: rest, options: { ...spec.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: spec.positionals, strict: true }) as { values: Record<string, string | boolean | undefined>; positionals: string[] });
  } catch (e) {
    process.stderr.write(`gateway ${command}: ${(e as Error).message}\n\nusage: ${spec.usage}\n`);
    return 2;
  }
  if (values['help']) {
    // Never starts anything.
    process.stdout.write(`usage: ${spec.usage}\n`);
    return 0;
  }
  const config = typeof values['config'] === 'string' ? values['config'] : undefined;
  try {
    switch (command) {
      case 'serve':
        return await (await import('./serve.js')).serve(config);
      case 'validate':
        return await (await import('./validate.js')).validate(positionals, config, values['json'] === true);
      case 'inspect':
        return await (await import('./inspect.js')).inspect(positionals, config);
      case 'test':
        return await (await import('./conformance.js')).conformance(positionals, config);
      default: {
        const port = Number(values['port'] ?? 9000);
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          process.stderr.write(`gateway sandbox-wallet: --port must be a port number, got ${String(values['port'])}\n`);
          return 2;
        }
        return await (await import('./sandbox-wallet.js')).sandboxWallet(port);
      }
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const d of e.diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
      return 1;
    }
    throw e;
  }
}
