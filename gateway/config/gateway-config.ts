/**
 * The gateway's own configuration, fully defaulted. Keys mirror gateway.config.yaml (snake_case),
 * so the YAML, the schema (schemas/gateway-config.schema.json), the docs and the code use one
 * vocabulary. A test checks that DEFAULT_CONFIG and the schema's `default`s agree.
 */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A player the embedded sandbox wallet starts with. */
export interface SandboxPlayer {
  readonly id: string;
  readonly currency: string;
  /** Decimal string in major units (CONTRACT §3); an integer in the YAML is turned into its string. */
  readonly balance: string;
  readonly name?: string;
  readonly country?: string;
  readonly language?: string;
  readonly blocked: boolean;
}

export interface GatewayConfig {
  readonly server: {
    readonly host: string;
    readonly port: number;
    readonly body_limit_bytes: number;
    readonly request_timeout_ms: number;
    /** Processes serving the public listener; >1 needs a shared store and a real wallet. */
    readonly workers: number;
  };
  readonly admin: {
    readonly host: string;
    readonly port: number;
    /** null = no token: the admin API serves loopback clients only. */
    readonly token: string | null;
  };
  readonly store: {
    readonly url: string;
    readonly prefix: string;
    readonly idempotency_ttl_s: number;
    readonly command_timeout_ms: number;
    readonly await_timeout_ms: number;
    readonly on_unavailable: { readonly reads: 'pass' | 'fail' };
  };
  readonly wallet: {
    /** `sandbox` or an http(s) base URL. */
    readonly url: string;
    readonly timeout_ms: number;
    /** null = gateway→wallet calls are not signed. */
    readonly hmac_secret: string | null;
    /** A wallet descriptor (absolute path, resolved at load time): the wallet speaks its own API. null = canonical. */
    readonly adapter: string | null;
    readonly circuit: { readonly failures: number; readonly window_ms: number; readonly cool_off_ms: number };
    readonly connections: number;
    readonly retry: {
      readonly budget_ms: number;
      readonly initial_backoff_ms: number;
      readonly max_backoff_ms: number;
    };
  };
  readonly providers: {
    /** Absolute path (resolved at load time). */
    readonly dir: string;
    /** null = every descriptor in dir; a list = only these ids, and their secrets are mandatory. */
    readonly enabled: readonly string[] | null;
  };
  readonly log: { readonly level: LogLevel };
  /** Extra currency code → decimals, for codes outside ISO 4217. */
  readonly currencies: Readonly<Record<string, number>>;
  readonly sandbox: { readonly players: readonly SandboxPlayer[] };
}

/** Every default. `providers.dir` is relative here; loadGatewayConfig resolves it. */
export const DEFAULT_CONFIG: GatewayConfig = {
  server: { host: '0.0.0.0', port: 8080, body_limit_bytes: 65536, request_timeout_ms: 10000, workers: 1 },
  admin: { host: '127.0.0.1', port: 8081, token: null },
  store: {
    url: 'memory://',
    prefix: 'gw:',
    idempotency_ttl_s: 604800,
    command_timeout_ms: 1000,
    await_timeout_ms: 2000,
    on_unavailable: { reads: 'pass' },
  },
  wallet: {
    url: 'sandbox',
    timeout_ms: 3000,
    hmac_secret: null,
    adapter: null,
    circuit: { failures: 20, window_ms: 10000, cool_off_ms: 2000 },
    connections: 64,
    retry: { budget_ms: 10000, initial_backoff_ms: 50, max_backoff_ms: 1000 },
  },
  providers: { dir: './providers', enabled: null },
  log: { level: 'info' },
  currencies: {},
  sandbox: { players: [] },
};
