/*
 * Copyright 2026 The Istio Rollouts for Backstage Authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

import https from 'node:https';
import http from 'node:http';
import { TLSSocket } from 'node:tls';
import { ClusterDetails } from './ClusterDetails';
import { CredentialSource, caOf, credentialSourceFor } from './credentials';

// A deliberately small Kubernetes API client: list, watch, get and patch on
// raw paths. The plugin needs streaming watches with bookmarks and 410
// handling, and RFC 6902 JSON Patch with a field manager; owning these ~150
// lines keeps every request visible and testable against the real server.

/** A Kubernetes API error, carrying the server's Status reason and message. */
export class KubeApiError extends Error {
  readonly name = 'KubeApiError';
  constructor(
    readonly statusCode: number,
    readonly reason: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A request that got no HTTP answer: its deadline passed
 * ({@link KubeTimeoutError}) or its connection failed
 * ({@link KubeConnectionError}). `sent` tells a caller what a write may have
 * done: false only when no connection was ever established for it (refused,
 * unresolvable, TLS handshake not finished), so the API server cannot have
 * seen it and nothing was applied; true when it may have been received, so
 * whether it was applied is unknown.
 */
export abstract class KubeRequestError extends Error {
  abstract readonly kind: 'timeout' | 'connection';
  constructor(
    message: string,
    readonly sent: boolean,
    /** The socket error's code (ECONNREFUSED, ECONNRESET, …), if any. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The overall deadline (connect, TLS, request and response) passed. */
export class KubeTimeoutError extends KubeRequestError {
  readonly name = 'KubeTimeoutError';
  readonly kind = 'timeout' as const;
  constructor(message: string, sent: boolean, readonly timeoutMs: number) {
    super(message, sent, 'ETIMEDOUT');
  }
}

/** The connection failed or broke before a whole answer arrived. */
export class KubeConnectionError extends KubeRequestError {
  readonly name = 'KubeConnectionError';
  readonly kind = 'connection' as const;
}

/** A list response: items and the collection's resourceVersion. */
export interface KubeList<T> {
  items: T[];
  resourceVersion: string;
}

/** One watch event, as the API server streams it. */
export interface KubeWatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: any;
}

/** The default deadline of a non-watch call. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export interface KubeApiOptions {
  /**
   * The cluster; `requestTimeoutMs` (set by the plugin from
   * `istioRollouts.clusterRequestTimeout`) is the deadline of its calls.
   */
  cluster: ClusterDetails & { requestTimeoutMs?: number };
  /**
   * Overall deadline of each non-watch call: connecting, TLS, sending and
   * the whole response. Default the cluster's `requestTimeoutMs`, else 10 s.
   */
  timeoutMs?: number;
  /** Where the credential comes from; default from the cluster's authProvider. */
  credentials?: CredentialSource;
}

// What a request carries for its credential: a header, or (a client
// certificate) the agent whose TLS connections present it.
interface RequestAuth {
  headers: Record<string, string>;
  agent: http.Agent;
}

export class KubeApi {
  readonly clusterName: string;
  private readonly baseUrl: URL;
  private readonly agent: http.Agent;
  private readonly credentials: CredentialSource;
  private readonly ca?: string;
  private readonly skipTLSVerify: boolean;
  // One agent per client certificate (kept alive like the default one).
  private certAgent?: { cert: string; agent: https.Agent };
  private readonly timeoutMs: number;

  constructor(options: KubeApiOptions) {
    const { cluster } = options;
    this.clusterName = cluster.name;
    this.baseUrl = new URL(cluster.url);
    this.credentials = options.credentials ?? credentialSourceFor(cluster);
    this.ca = caOf(cluster);
    this.skipTLSVerify = cluster.skipTLSVerify;
    this.timeoutMs =
      options.timeoutMs ??
      cluster.requestTimeoutMs ??
      DEFAULT_REQUEST_TIMEOUT_MS;
    this.agent =
      this.baseUrl.protocol === 'https:'
        ? new https.Agent({
            keepAlive: true,
            ca: this.ca,
            rejectUnauthorized: !cluster.skipTLSVerify,
          })
        : new http.Agent({ keepAlive: true });
  }

  /**
   * Lists every object under `path`, following `continue` pages; with
   * `labelSelector`, only the objects it selects.
   */
  async list<T>(
    path: string,
    pageSize = 500,
    options: { labelSelector?: string } = {},
  ): Promise<KubeList<T>> {
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion = '';
    do {
      const query: Record<string, string> = { limit: String(pageSize) };
      if (options.labelSelector) query.labelSelector = options.labelSelector;
      if (cont) query.continue = cont;
      const page = await this.requestJson('GET', path, query);
      items.push(...(page.items ?? []));
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      cont = page.metadata?.continue || undefined;
    } while (cont);
    return { items, resourceVersion };
  }

  async get<T>(path: string): Promise<T> {
    return this.requestJson('GET', path);
  }

  /** Sends an RFC 6902 JSON Patch; `test` operations make it conditional. */
  async jsonPatch<T>(
    path: string,
    ops: unknown[],
    fieldManager: string,
    dryRun = false,
  ): Promise<T> {
    const query: Record<string, string> = { fieldManager };
    if (dryRun) query.dryRun = 'All';
    return this.requestJson(
      'PATCH',
      path,
      query,
      ops,
      'application/json-patch+json',
    );
  }

  /**
   * Streams watch events from `resourceVersion` until the server closes the
   * stream, `signal` aborts, or the connection fails (rejects). With
   * `idleTimeoutMs`, a stream on which no byte arrives for that long
   * (response headers included) rejects too: see watchTimeoutSeconds.
   */
  watch(
    path: string,
    resourceVersion: string,
    onEvent: (event: KubeWatchEvent) => void,
    signal: AbortSignal,
    options: {
      /** Client-side idle deadline of the stream; 0 or absent: none. */
      idleTimeoutMs?: number;
      /** Called on every sign of life: the 200 headers, then each chunk. */
      onActivity?: () => void;
      /** Only the objects it selects (as the list that came before). */
      labelSelector?: string;
    } = {},
  ): Promise<void> {
    const idleMs = options.idleTimeoutMs ?? 0;
    const query: Record<string, string> = {
      watch: 'true',
      resourceVersion,
      allowWatchBookmarks: 'true',
      // The server ends the stream after this; we resume from the last
      // resourceVersion. Shorter than the idle deadline, if any.
      timeoutSeconds: String(watchTimeoutSeconds(idleMs)),
    };
    if (options.labelSelector) query.labelSelector = options.labelSelector;
    const what = `watch ${path} on cluster ${this.clusterName}`;
    return this.auth(what).then(auth =>
      this.watchWith(auth, path, query, onEvent, signal, options, idleMs),
    );
  }

  private watchWith(
    auth: RequestAuth,
    path: string,
    query: Record<string, string>,
    onEvent: (event: KubeWatchEvent) => void,
    signal: AbortSignal,
    options: { onActivity?: () => void },
    idleMs: number,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      // A hung API server or a dropped network path keeps the TCP
      // connection open and silent: no error ever comes. No byte for
      // idleMs means the stream is dead; the caller resumes from its last
      // resourceVersion on a new connection.
      let idle: NodeJS.Timeout | undefined;
      let request: http.ClientRequest | undefined = undefined;
      const arm = () => {
        if (!idleMs) return;
        clearTimeout(idle);
        idle = setTimeout(() => {
          const error: NodeJS.ErrnoException = new Error(
            `watch ${path} on cluster ${this.clusterName}: no data for ${idleMs} ms, the connection is presumed dead`,
          );
          error.code = 'ETIMEDOUT';
          request?.destroy(error);
          reject(error);
        }, idleMs);
      };
      const alive = () => {
        options.onActivity?.();
        arm();
      };
      const req = this.send(
        auth,
        'GET',
        path,
        query,
        undefined,
        undefined,
        res => {
          if (res.statusCode === 401) this.credentials.invalidate?.();
          if (res.statusCode !== 200) {
            collect(res).then(
              body => reject(toError(res.statusCode ?? 0, body)),
              reject,
            );
            return;
          }
          alive();
          let buffer = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            alive();
            buffer += chunk;
            let newline = buffer.indexOf('\n');
            while (newline >= 0) {
              const line = buffer.slice(0, newline).trim();
              buffer = buffer.slice(newline + 1);
              if (line) {
                try {
                  onEvent(JSON.parse(line));
                } catch (e) {
                  req.destroy(e as Error);
                  return;
                }
              }
              newline = buffer.indexOf('\n');
            }
          });
          res.on('end', () => {
            clearTimeout(idle);
            options.onActivity?.(); // the server ended it: alive
            resolve();
          });
          res.on('error', reject);
          res.on('aborted', () => reject(new Error('watch stream aborted')));
        },
        /* timeout */ 0,
      );
      req.on('error', err => (signal.aborted ? resolve() : reject(err)));
      const abort = () => {
        clearTimeout(idle);
        req.destroy();
        resolve();
      };
      // Armed from the request on: connecting and the TLS handshake can
      // hang too. Disarmed when the request is over, however it ended.
      request = req;
      arm();
      req.on('close', () => clearTimeout(idle));
      if (signal.aborted) abort();
      signal.addEventListener('abort', abort, { once: true });
    });
  }

  close() {
    this.agent.destroy();
    this.certAgent?.agent.destroy();
  }

  // The credential of the next request. Getting it is part of the call: a
  // failure (an unreadable token file, a refused cloud exchange) means
  // nothing was sent.
  private async auth(what: string): Promise<RequestAuth> {
    let credential;
    try {
      credential = await this.credentials.get();
    } catch (error) {
      throw new KubeConnectionError(
        `${what}: no credential for the cluster (${
          (error as Error).message
        }); nothing was sent`,
        false,
        undefined,
      );
    }
    if (credential.type === 'bearer token') {
      return {
        headers: { Authorization: `Bearer ${credential.token}` },
        agent: this.agent,
      };
    }
    if (credential.type === 'x509 client certificate') {
      if (this.certAgent?.cert !== credential.cert) {
        this.certAgent?.agent.destroy();
        this.certAgent = {
          cert: credential.cert,
          agent: new https.Agent({
            keepAlive: true,
            ca: this.ca,
            cert: credential.cert,
            key: credential.key,
            rejectUnauthorized: !this.skipTLSVerify,
          }),
        };
      }
      return { headers: {}, agent: this.certAgent.agent };
    }
    return { headers: {}, agent: this.agent };
  }

  // Every non-watch call has one overall deadline; its failures are typed
  // (KubeApiError: an HTTP answer; KubeTimeoutError / KubeConnectionError:
  // none, with whether the request may have reached the server).
  private requestJson(
    method: string,
    path: string,
    query?: Record<string, string>,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<any> {
    const what = `${method} ${path} on cluster ${this.clusterName}`;
    return this.auth(what).then(auth =>
      this.requestWith(auth, what, method, path, query, body, contentType),
    );
  }

  private requestWith(
    auth: RequestAuth,
    what: string,
    method: string,
    path: string,
    query: Record<string, string> | undefined,
    body: unknown,
    contentType: string,
  ): Promise<any> {
    return new Promise((resolve, reject) => {
      // Once a connection (and its TLS handshake) is up, Node writes the
      // request at once: from then on a lost answer means "maybe received".
      let connected = false;
      let settled = false;
      let timer: NodeJS.Timeout | undefined = undefined;
      const finish = (error: Error | undefined, value?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(value);
      };
      const req = this.send(
        auth,
        method,
        path,
        query,
        body,
        contentType,
        res => {
          connected = true;
          collect(res).then(
            text => {
              const status = res.statusCode ?? 0;
              // A refused token may have rotated or expired: the next
              // call asks for a new one.
              if (status === 401) this.credentials.invalidate?.();
              if (status < 200 || status >= 300) {
                finish(toError(status, text));
                return;
              }
              try {
                finish(undefined, JSON.parse(text));
              } catch {
                finish(
                  new KubeApiError(
                    status,
                    undefined,
                    `invalid JSON from ${method} ${path}`,
                  ),
                );
              }
            },
            error => finish(connectionError(what, error, true)),
          );
        },
        /* the deadline below replaces the idle timeout */ 0,
      );
      timer = setTimeout(() => {
        finish(
          new KubeTimeoutError(
            `${what}: no answer within ${this.timeoutMs} ms${
              connected ? '' : ' (no connection established)'
            }`,
            connected,
            this.timeoutMs,
          ),
        );
        req.destroy();
      }, this.timeoutMs);
      req.on('socket', socket => {
        // A kept-alive socket is connected already; a new one is not yet.
        if (req.reusedSocket) {
          connected = true;
        } else {
          socket.once(
            socket instanceof TLSSocket ? 'secureConnect' : 'connect',
            () => {
              connected = true;
            },
          );
        }
      });
      req.on('error', error => finish(connectionError(what, error, connected)));
    });
  }

  private send(
    auth: RequestAuth,
    method: string,
    path: string,
    query: Record<string, string> | undefined,
    body: unknown,
    contentType: string | undefined,
    onResponse: (res: http.IncomingMessage) => void,
    timeoutMs: number,
  ): http.ClientRequest {
    const url = new URL(path, this.baseUrl);
    for (const [k, v] of Object.entries(query ?? {}))
      url.searchParams.set(k, v);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      ...auth.headers,
    };
    if (payload !== undefined) {
      headers['Content-Type'] = contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const transport = url.protocol === 'https:' ? https : http;
    const req = transport.request(
      url,
      { method, headers, agent: auth.agent },
      onResponse,
    );
    if (timeoutMs > 0) {
      req.setTimeout(timeoutMs, () =>
        req.destroy(
          new Error(
            `${method} ${url.pathname} timed out after ${timeoutMs} ms`,
          ),
        ),
      );
    }
    req.end(payload);
    return req;
  }
}

/**
 * How long the server keeps a watch stream open. A quiet but healthy stream
 * carries no byte between BOOKMARKs, which kube-apiserver sends about once a
 * minute and ~2 s before the stream's timeout; so with an idle deadline the
 * server is asked to end the stream at 60–80% of it (then we resume from the
 * last resourceVersion): a healthy stream always shows life before the
 * deadline, even where bookmarks are not sent at all (watch cache off).
 * Without one, 4–5 minutes, jittered so that watches do not reconnect
 * together.
 */
function watchTimeoutSeconds(idleTimeoutMs: number): number {
  if (!idleTimeoutMs) return 240 + Math.floor(Math.random() * 60);
  const fraction = 0.6 + Math.random() * 0.2;
  return Math.max(1, Math.floor((idleTimeoutMs * fraction) / 1000));
}

function collect(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', c => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function toError(status: number, text: string): KubeApiError {
  try {
    const parsed = JSON.parse(text);
    if (parsed?.kind === 'Status') {
      return new KubeApiError(
        status,
        parsed.reason,
        parsed.message ?? `HTTP ${status}`,
      );
    }
  } catch {
    // not a Status object
  }
  return new KubeApiError(
    status,
    undefined,
    text.slice(0, 300) || `HTTP ${status}`,
  );
}

// Errors that say the connection never came up: nothing was sent.
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);

function connectionError(
  what: string,
  error: Error,
  connected: boolean,
): KubeConnectionError {
  const code = (error as NodeJS.ErrnoException).code;
  const sent = connected && !(code && NOT_CONNECTED.has(code));
  return new KubeConnectionError(
    `${what}: ${
      sent ? 'the connection broke before an answer' : 'cannot connect'
    } (${code ?? error.message})`,
    sent,
    code,
  );
}
