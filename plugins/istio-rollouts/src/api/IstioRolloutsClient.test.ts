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

import { IstioRolloutsClient } from './IstioRolloutsClient';

const BASE = 'http://localhost:7007/api/istio-rollouts';
const entity = { kind: 'Component', namespace: 'default', name: 'reviews' };

// A fetch that records what it was asked and answers with `body`.
function client(
  answer: () => Response = () =>
    new Response(JSON.stringify({ items: [] }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    }),
) {
  const fetch = jest.fn(async (_url: string, _init?: RequestInit) => answer());
  const api = new IstioRolloutsClient({
    discoveryApi: { getBaseUrl: async () => BASE },
    fetchApi: { fetch: fetch as any },
  });
  const call = (i = 0) => {
    const [url, init] = fetch.mock.calls[i];
    return {
      url,
      method: init?.method ?? 'GET',
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
    };
  };
  return { api, fetch, call };
}

describe('IstioRolloutsClient', () => {
  it('lists requests with a comma-separated status filter', async () => {
    const { api, call } = client();
    await api.listRequests(entity, { status: ['pending', 'approving'] });
    await api.listRequests(entity);

    expect(call(0).url).toBe(
      `${BASE}/entities/default/Component/reviews/requests?status=pending%2Capproving`,
    );
    expect(call(1).url).toBe(
      `${BASE}/entities/default/Component/reviews/requests`,
    );
  });

  it('creates, approves, rejects and cancels requests with JSON bodies', async () => {
    const { api, call } = client();
    const target = {
      cluster: 'local',
      namespace: 'demo',
      virtualService: 'reviews',
      route: 'primary',
    };
    await api.createRequest(entity, {
      target,
      change: { type: 'promote-next' },
      reason: 'error rate flat for an hour',
    });
    await api.approveRequest('r/1', { reason: 'looks good' });
    await api.rejectRequest('r1', { reason: 'freeze' });
    await api.cancelRequest('r1');

    expect(call(0)).toEqual({
      url: `${BASE}/entities/default/Component/reviews/requests`,
      method: 'POST',
      body: {
        target,
        change: { type: 'promote-next' },
        reason: 'error rate flat for an hour',
      },
    });
    // Ids are opaque: they are escaped, not trusted to be URL-safe.
    expect(call(1)).toEqual({
      url: `${BASE}/requests/r%2F1/approve`,
      method: 'POST',
      body: { reason: 'looks good' },
    });
    expect(call(2)).toEqual({
      url: `${BASE}/requests/r1/reject`,
      method: 'POST',
      body: { reason: 'freeze' },
    });
    expect(call(3)).toEqual({
      url: `${BASE}/requests/r1/cancel`,
      method: 'POST',
      body: {},
    });
  });

  it('posts controller actions to the entity, body unchanged', async () => {
    const { api, call } = client(
      () =>
        new Response(
          JSON.stringify({
            dryRun: true,
            description: 'Promote Rollout demo/storefront to step 3 of 5',
            resourceVersionBefore: '7',
          }),
          { status: 200, headers: { 'content-type': 'application/json' } },
        ),
    );
    const body = {
      target: {
        cluster: 'local',
        namespace: 'demo',
        kind: 'Rollout' as const,
        name: 'storefront',
      },
      action: { type: 'argo' as const, action: 'promote' as const },
      dryRun: true,
      reason: 'metrics look fine',
    };
    const result = await api.controllerAction(
      { kind: 'Component', namespace: 'default', name: 'store front' },
      body,
    );

    expect(call(0)).toEqual({
      url: `${BASE}/entities/default/Component/store%20front/controller-actions`,
      method: 'POST',
      body,
    });
    expect(result.description).toBe(
      'Promote Rollout demo/storefront to step 3 of 5',
    );
  });

  it('pages the history and the audit, leaving out empty filters', async () => {
    const { api, call } = client();
    await api.getHistory(entity, { limit: 20, cursor: 'abc' });
    await api.listAudit({
      entityRef: 'component:default/reviews',
      actor: '',
      outcome: 'denied',
      from: '2026-11-01T00:00:00.000Z',
      cursor: undefined,
    });

    expect(call(0).url).toBe(
      `${BASE}/entities/default/Component/reviews/history?limit=20&cursor=abc`,
    );
    expect(call(1).url).toBe(
      `${BASE}/audit?entityRef=component%3Adefault%2Freviews&outcome=denied&from=2026-11-01T00%3A00%3A00.000Z`,
    );
  });

  it('lists releases in flight with their filters and cursor, leaving out empty ones', async () => {
    const { api, call } = client();
    await api.listReleasesInFlight({
      cluster: 'local',
      namespace: '',
      owner: 'group:default/team-bookinfo',
      strategy: 'canary',
      minAgeDays: 1.5,
      staleOnly: true,
      limit: 50,
      cursor: 'c/2',
    });
    await api.listReleasesInFlight({ staleOnly: false });
    await api.listReleasesInFlight();

    expect(call(0)).toEqual({
      url: `${BASE}/releases?cluster=local&owner=group%3Adefault%2Fteam-bookinfo&strategy=canary&minAgeDays=1.5&staleOnly=true&limit=50&cursor=c%2F2`,
      method: 'GET',
      body: undefined,
    });
    expect(call(1).url).toBe(`${BASE}/releases`);
    expect(call(2).url).toBe(`${BASE}/releases`);
  });

  it('downloads the export as a blob named by the backend', async () => {
    const { api, call } = client(
      () =>
        new Response('id,createdAt\n1,2026-11-26T00:00:00.000Z\n', {
          status: 200,
          headers: {
            'content-type': 'text/csv',
            'content-disposition': 'attachment; filename="audit-2026.csv"',
          },
        }),
    );
    const result = await api.exportAudit(
      { actor: 'user:default/alice', limit: 5, cursor: 'x' } as any,
      'csv',
    );

    expect(call(0).url).toBe(
      `${BASE}/audit/export?format=csv&actor=user%3Adefault%2Falice`,
    );
    expect(result.filename).toBe('audit-2026.csv');
    expect(await result.content.text()).toBe(
      'id,createdAt\n1,2026-11-26T00:00:00.000Z\n',
    );
  });

  it("asks for a Canary's webhook URLs with its target in the query", async () => {
    const { api, call } = client();
    await api.flaggerWebhooks(entity, {
      cluster: 'local',
      namespace: 'demo',
      name: 'pod info',
    });

    expect(call(0)).toEqual({
      url: `${BASE}/entities/default/Component/reviews/flagger-webhooks?cluster=local&namespace=demo&name=pod+info`,
      method: 'GET',
      body: undefined,
    });
  });

  it("throws the backend's error", async () => {
    const { api } = client(
      () =>
        new Response(
          JSON.stringify({
            error: {
              name: 'NotAllowedError',
              message: 'Reading the release audit needs a permission',
            },
            response: { statusCode: 403 },
          }),
          { status: 403, headers: { 'content-type': 'application/json' } },
        ),
    );
    await expect(api.listAudit()).rejects.toMatchObject({
      name: 'ResponseError',
      cause: { message: 'Reading the release audit needs a permission' },
    });
    await expect(api.listReleasesInFlight()).rejects.toMatchObject({
      name: 'ResponseError',
      response: { status: 403 },
    });
  });
});
