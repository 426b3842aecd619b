/**
 * One HTTP exchange over an undici `Dispatcher`, through its low-level `dispatch` handler
 * interface rather than `request()`: the answer is collected straight into a Buffer list, with no
 * Readable body stream, async iterator, parsed header object or AbortController per call. On the
 * gateway's hot path that is ~15 µs of CPU per wallet call (docs/performance.md).
 *
 * Semantics match `request()` with a signal:
 * - one deadline for the whole exchange (pool queue, connect, send, answer). A call still queued
 *   when it passes is settled at once and aborted the moment undici hands it a connection, before
 *   a byte is written; a call on the wire is aborted (its connection is destroyed).
 * - answers larger than `maxBytes` are aborted and reported, never buffered whole.
 * The promise never rejects: failures come back as `{ failure }`.
 */
import type { Dispatcher } from 'undici';

export interface ExchangeRequest {
  /** `https://host:port`, for a dispatcher that serves several origins (an undici Agent). */
  origin?: string;
  path: string;
  method: 'POST' | 'GET' | 'OPTIONS' | 'PUT' | 'PATCH' | 'DELETE';
  /** Flat `[name, value, name, value, …]` list, as undici takes it without re-walking an object. */
  headers: string[];
  body?: string | Buffer;
  deadlineMs: number;
  maxBytes: number;
}

export type ExchangeResult =
  | { failure?: undefined; status: number; contentType: string | undefined; body: Buffer }
  | { failure: 'timeout' | 'too-large' | 'transport'; message: string; /** False when nothing of the request reached a connection (refused, queued past its deadline): safe to send again. */ written?: boolean };

class DeadlineError extends Error {
  override name = 'DeadlineError';
}
class TooLargeError extends Error {
  override name = 'TooLargeError';
}

const CONTENT_TYPE = 'content-type';
/** What undici accepts in a header value (RFC 9110 field-value: HTAB, SP, VCHAR, obs-text). */
const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/u;

/** The handler undici's core speaks natively (no wrapping adapter in between). */
class ExchangeHandler implements Dispatcher.DispatchHandler {
  private abortFn: ((err: Error) => void) | null = null;
  private settled = false;
  private status = 0;
  private contentType: string | undefined = undefined;
  private chunks: Buffer[] = [];
  private size = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly resolve: (r: ExchangeResult) => void,
    private readonly maxBytes: number,
    private readonly deadlineMs: number,
  ) {
    this.timer = setTimeout(() => this.expire(), deadlineMs);
  }

  private settle(r: ExchangeResult): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.chunks = [];
    this.resolve(r);
  }

  private expire(): void {
    if (this.settled) return;
    this.settle({ failure: 'timeout', message: `timeout after ${this.deadlineMs}ms`, written: this.abortFn !== null });
    // Still queued: onConnect aborts it before anything is written. On the wire: abort now.
    this.abortFn?.(new DeadlineError('deadline passed'));
  }

  onConnect(abort: (err?: Error) => void): void {
    // Expired while queued: throwing (not calling `abort`) makes undici drop the request before
    // writing it *and keep the connection*; `abort` would also destroy a healthy socket.
    if (this.settled) throw new DeadlineError('deadline passed while queued');
    this.abortFn = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    this.status = statusCode;
    this.contentType = undefined; // a 1xx answer's headers are not the final answer's
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!;
      if (name.length === CONTENT_TYPE.length && name.toString('latin1').toLowerCase() === CONTENT_TYPE) {
        this.contentType = rawHeaders[i + 1]!.toString('latin1');
        break;
      }
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.settled) return false;
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      this.settle({ failure: 'too-large', message: `answer larger than ${this.maxBytes} bytes` });
      this.abortFn?.(new TooLargeError('answer too large'));
      return false;
    }
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    const chunks = this.chunks;
    this.settle({ status: this.status, contentType: this.contentType, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
  }

  onError(err: Error): void {
    const name = err.name;
    const timeout = name === 'HeadersTimeoutError' || name === 'BodyTimeoutError' || err instanceof DeadlineError;
    const written = this.abortFn !== null;
    this.settle(timeout ? { failure: 'timeout', message: `timeout after ${this.deadlineMs}ms`, written } : { failure: 'transport', message: err.message, written });
  }
}

/**
 * @example const r = await exchange(pool, { path: '/debit', method: 'POST', headers: ['content-type', 'application/json'], body, deadlineMs: 3000, maxBytes: 65536 })
 */
export function exchange(dispatcher: Dispatcher, req: ExchangeRequest): Promise<ExchangeResult> {
  // undici refuses such a value inside dispatch() *and* reports back-pressure for it, which leaves
  // the pool believing one of its connections is busy for good: refuse it here, before dispatch.
  for (let i = 1; i < req.headers.length; i += 2) {
    if (INVALID_HEADER_VALUE.test(req.headers[i]!)) {
      return Promise.resolve({ failure: 'transport', message: `invalid value for header ${req.headers[i - 1]}` });
    }
  }
  return new Promise((resolve) => {
    const handler = new ExchangeHandler(resolve, req.maxBytes, req.deadlineMs);
    try {
      dispatcher.dispatch(
        { ...(req.origin ? { origin: req.origin } : {}), path: req.path, method: req.method, headers: req.headers, body: req.body ?? null, headersTimeout: req.deadlineMs, bodyTimeout: req.deadlineMs },
        handler,
      );
    } catch (e) {
      // A closed pool or an invalid header value (e.g. a CR in a header) throws synchronously.
      handler.onError(e as Error);
    }
  });
}
