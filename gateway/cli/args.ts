/** Minimal argv parsing: `--flag value`, `--flag=value`, boolean flags, positionals. */
export interface Args {
  positionals: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(argv: readonly string[], booleans: readonly string[] = []): Args {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq !== -1) flags.set(a.slice(2, eq), a.slice(eq + 1));
      else if (booleans.includes(a.slice(2)) || i + 1 >= argv.length || argv[i + 1]!.startsWith('--')) flags.set(a.slice(2), true);
      else flags.set(a.slice(2), argv[++i]!);
    } else positionals.push(a);
  }
  return { positionals, flags };
}

export function flag(args: Args, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}
