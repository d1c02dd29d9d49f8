/**
 * The shape of a Node HTTP server as `serveScheduler` uses it, and the message for a server
 * that cannot listen.
 * @module
 */

/** The part of a Node HTTP server used here (`http.Server` satisfies it). */
export interface NodeServerLike {
  /** Stops accepting connections. */
  close(callback?: (error?: Error) => void): unknown;
  /** Closes keep-alive connections that carry no request. */
  closeIdleConnections?(): void;
  /** Closes every connection (after the grace period). */
  closeAllConnections?(): void;
  /** Listens for `error` (a port in use arrives this way). */
  on?(event: "error", listener: (error: unknown) => void): unknown;
}

/** Where the server listens. */
export interface ListenInfo {
  /** The bound port (the real one when `port` was 0). */
  port: number;
  /** The bound address. */
  address: string;
}

/** A `serve` function shaped like `@hono/node-server`'s. */
export type NodeServe = (
  options: {
    fetch: (request: Request) => Response | Promise<Response>;
    port?: number;
    hostname?: string;
  },
  listening?: (info: ListenInfo) => void,
) => NodeServerLike;

/**
 * @param error What the server emitted.
 * @param port The port it was asked to listen on.
 * @returns An error that says what went wrong in words, keeping the original as `cause`.
 */
export function listenError(error: unknown, port: number): Error {
  const code = (error as { code?: unknown })?.code;
  if (code === "EADDRINUSE") {
    return new Error(
      `Cannot listen: port ${port} is already in use (stop what uses it, or choose another port)`,
      { cause: error },
    );
  }
  if (code === "EACCES") {
    return new Error(
      `Cannot listen: no permission to use port ${port} (choose a port above 1023)`,
      { cause: error },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}
