/** What every stub at the outer edge (stub providers, stub legacy wallets) records of one request. */
import type { IncomingHttpHeaders } from 'node:http';

export interface RecordedRequest {
  method: string;
  /** Pathname only, still percent-encoded; the query string is in `query`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The exact request body bytes. */
  raw: Buffer;
  /** The parsed JSON body; undefined when the body is empty or not JSON. */
  body: any;
}
