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
import { ClusterDetails } from './ConfigClusters';

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

export interface KubeApiOptions {
  cluster: ClusterDetails;
  /** Per-request timeout for non-watch calls. */
  timeoutMs?: number;
}

export class KubeApi {
  readonly clusterName: string;
  private readonly baseUrl: URL;
  private readonly agent: http.Agent;
  private readonly token?: string;
  private readonly timeoutMs: number;

  constructor(options: KubeApiOptions) {
    const { cluster } = options;
    this.clusterName = cluster.name;
    this.baseUrl = new URL(cluster.url);
    this.token = cluster.serviceAccountToken;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.agent =
      this.baseUrl.protocol === 'https:'
        ? new https.Agent({
            keepAlive: true,
            ca: cluster.caData
              ? Buffer.from(cluster.caData, 'base64').toString('utf8')
              : undefined,
            rejectUnauthorized: !cluster.skipTLSVerify,
          })
        : new http.Agent({ keepAlive: true });
  }

  /** Lists every object under `path`, following `continue` pages. */
  async list<T>(path: string, pageSize = 500): Promise<KubeList<T>> {
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion = '';
    do {
      const query: Record<string, string> = { limit: String(pageSize) };
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
   * stream, `signal` aborts, or the connection fails (rejects).
   */
  watch(
    path: string,
    resourceVersion: string,
    onEvent: (event: KubeWatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const query = {
      watch: 'true',
      resourceVersion,
      allowWatchBookmarks: 'true',
      // The server ends the stream after this; we resume from the last
      // resourceVersion, which also detects half-open connections.
      timeoutSeconds: String(240 + Math.floor(Math.random() * 60)),
    };
    return new Promise((resolve, reject) => {
      const req = this.send(
        'GET',
        path,
        query,
        undefined,
        undefined,
        res => {
          if (res.statusCode !== 200) {
            collect(res).then(
              body => reject(toError(res.statusCode ?? 0, body)),
              reject,
            );
            return;
          }
          let buffer = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
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
          res.on('end', () => resolve());
          res.on('error', reject);
          res.on('aborted', () => reject(new Error('watch stream aborted')));
        },
        /* timeout */ 0,
      );
      req.on('error', err => (signal.aborted ? resolve() : reject(err)));
      const abort = () => {
        req.destroy();
        resolve();
      };
      if (signal.aborted) abort();
      signal.addEventListener('abort', abort, { once: true });
    });
  }

  close() {
    this.agent.destroy();
  }

  private requestJson(
    method: string,
    path: string,
    query?: Record<string, string>,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<any> {
    return new Promise((resolve, reject) => {
      const req = this.send(
        method,
        path,
        query,
        body,
        contentType,
        res => {
          collect(res).then(text => {
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              reject(toError(status, text));
              return;
            }
            try {
              resolve(JSON.parse(text));
            } catch {
              reject(
                new KubeApiError(
                  status,
                  undefined,
                  `invalid JSON from ${method} ${path}`,
                ),
              );
            }
          }, reject);
        },
        this.timeoutMs,
      );
      req.on('error', reject);
    });
  }

  private send(
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
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (payload !== undefined) {
      headers['Content-Type'] = contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const transport = url.protocol === 'https:' ? https : http;
    const req = transport.request(
      url,
      { method, headers, agent: this.agent },
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
