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

import { mockCredentials } from '@backstage/backend-test-utils';
import {
  apiRequest,
  clusterConfig,
  createTestNamespace,
  kubectl,
} from '@internal/test-cluster';
import fs from 'fs';
import os from 'os';
import path from 'path';
import request from 'supertest';
import { startBackend } from './__testUtils__/realBackend';

// Agents through the MCP actions backend, over its real HTTP endpoint: the
// MCP backend lists and invokes this plugin's actions through the real
// actions service and registry, as the calling user; the catalog, the
// permission backend (demo policy), the notifications backend and the
// local kube-apiserver are real. bob is of another team, alice owns the
// service.

jest.setTimeout(240_000);

const BOB = mockCredentials.user.header('user:default/bob');
const ALICE = mockCredentials.user.header('user:default/alice');
const ENTITY = 'component:default/agent-web';

let ns: string;
let server: any;
let stop: () => Promise<void>;

async function seed() {
  const labels = { 'backstage.io/kubernetes-id': 'agent-web' };
  const deployment = (version: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `web-${version}`, namespace: ns, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web', version } },
      template: {
        metadata: { labels: { app: 'web', version } },
        spec: {
          containers: [{ name: 'web', image: `example/web:${version}` }],
        },
      },
    },
  });
  await kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web', namespace: ns, labels },
          spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
        },
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'DestinationRule',
          metadata: { name: 'web', namespace: ns, labels },
          spec: {
            host: 'web',
            subsets: ['v1', 'v2'].map(v => ({
              name: v,
              labels: { version: v },
            })),
          },
        },
        deployment('v1'),
        deployment('v2'),
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: { name: 'web', namespace: ns, labels },
          spec: {
            hosts: ['web'],
            http: [
              {
                name: 'primary',
                route: [
                  { destination: { host: 'web', subset: 'v1' }, weight: 90 },
                  { destination: { host: 'web', subset: 'v2' }, weight: 10 },
                ],
              },
            ],
          },
        },
      ],
    }),
  });
  for (const version of ['v1', 'v2']) {
    await apiRequest(
      'PATCH',
      `/apis/apps/v1/namespaces/${ns}/deployments/web-${version}/status`,
      {
        contentType: 'application/merge-patch+json',
        body: {
          status: {
            replicas: 1,
            readyReplicas: 1,
            availableReplicas: 1,
            updatedReplicas: 1,
            observedGeneration: 1,
          },
        },
      },
    );
  }
}

let rpcId = 0;

/** One JSON-RPC call to the MCP endpoint, as an MCP client makes it. */
async function mcp(user: string, method: string, params: object = {}) {
  const res = await request(server)
    .post('/api/mcp-actions/v1')
    .set('Authorization', user)
    .set('Accept', 'application/json, text/event-stream')
    .set('Content-Type', 'application/json')
    .send({ jsonrpc: '2.0', id: ++rpcId, method, params });
  expect(res.status).toBe(200);
  // Streamable HTTP answers as server-sent events (or plain JSON).
  const text: string = res.text;
  const data = text.trim().startsWith('{')
    ? text
    : text
        .split('\n')
        .filter(line => line.startsWith('data:'))
        .map(line => line.slice('data:'.length))
        .join('');
  const message = JSON.parse(data);
  if (message.error) {
    throw new Error(`MCP error: ${JSON.stringify(message.error)}`);
  }
  return message.result;
}

let toolNames: Record<string, string>;

/** Calls a tool; its text content parsed as JSON when it is JSON. */
async function callTool(user: string, action: string, args: object) {
  const result = await mcp(user, 'tools/call', {
    name: toolNames[action],
    arguments: args,
  });
  const text = result.content?.map((c: any) => c.text).join('') ?? '';
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { isError: Boolean(result.isError), text, json };
}

const target = () => ({
  cluster: 'local',
  namespace: ns,
  virtualService: 'web',
  route: 'primary',
});

beforeAll(async () => {
  ns = await createTestNamespace('agents');
  await seed();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agents-catalog-'));
  const file = path.join(dir, 'entities.yaml');
  fs.writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'agent-web',
        annotations: {
          'backstage.io/kubernetes-id': 'agent-web',
          'backstage.io/kubernetes-namespace': ns,
        },
      },
      spec: {
        type: 'service',
        lifecycle: 'production',
        owner: 'team-bookinfo',
      },
    }),
  );
  const backend = await startBackend({
    locations: [file],
    clusters: [clusterConfig('plugin', 'local')],
    agents: true,
  });
  server = backend.server;
  stop = () => backend.stop();
  // The catalog ingests the file asynchronously.
  const deadline = Date.now() + 90_000;
  for (;;) {
    const res = await request(server)
      .get('/api/istio-rollouts/entities/default/component/agent-web/view')
      .set('Authorization', BOB);
    if (res.status === 200 || Date.now() > deadline) break;
    await new Promise(r => setTimeout(r, 500));
  }
});

afterAll(async () => {
  await stop?.();
});

describe('the plugin as MCP tools', () => {
  it('tools/list lists the read, request and preview tools, honestly marked, and nothing that approves or applies', async () => {
    const { tools } = await mcp(BOB, 'tools/list');
    const ours = tools.filter((t: any) => /istio-rollouts/.test(t.name));
    toolNames = Object.fromEntries(
      ours.map((t: any) => [t.name.replace(/^.*[.:]/, ''), t.name]),
    );
    expect(Object.keys(toolNames).sort()).toEqual([
      'get-rollout-view',
      'list-promotion-requests',
      'plan-route-action',
      'request-promotion',
    ]);
    const hints = Object.fromEntries(
      ours.map((t: any) => [
        t.name.replace(/^.*[.:]/, ''),
        [
          t.annotations?.readOnlyHint,
          t.annotations?.destructiveHint,
          t.annotations?.idempotentHint,
        ],
      ]),
    );
    expect(hints).toEqual({
      'get-rollout-view': [true, false, true],
      'list-promotion-requests': [true, false, true],
      'plan-route-action': [true, false, true],
      'request-promotion': [false, false, false],
    });
    const requestTool = ours.find((t: any) =>
      /request-promotion$/.test(t.name),
    );
    expect(Object.keys(requestTool.inputSchema.properties).sort()).toEqual([
      'change',
      'entityRef',
      'reason',
      'target',
    ]);
  });

  it('reads the split as bob would in the tab', async () => {
    const view = await callTool(BOB, 'get-rollout-view', {
      entityRef: 'agent-web',
    });
    expect(view.isError).toBe(false);
    const [cluster] = view.json.clusters;
    const [object] = cluster.routingObjects;
    expect(object).toMatchObject({
      kind: 'VirtualService',
      namespace: ns,
      name: 'web',
      versions: [
        { version: 'v1', ready: 1, images: ['example/web:v1'] },
        { version: 'v2', ready: 1, images: ['example/web:v2'] },
      ],
    });
    expect(object.routes[0]).toMatchObject({
      name: 'primary',
      strategy: 'canary',
      split: [
        { version: 'v1', weight: 90 },
        { version: 'v2', weight: 10 },
      ],
    });
  });

  it("bob's request through the tool waits in the tab, notifies the owners, and alice approves it", async () => {
    const asked = await callTool(BOB, 'request-promotion', {
      entityRef: ENTITY,
      target: target(),
      change: { type: 'promote-next' },
      reason: 'error rate flat for an hour (asked by the release bot)',
    });
    expect(asked.isError).toBe(false);
    expect(asked.json.request).toMatchObject({
      status: 'pending',
      requestedBy: 'user:default/bob',
      before: 'v1 90%, v2 10%',
      plannedAfter: 'v1 75%, v2 25%',
    });
    const id = asked.json.request.id;

    // The tab's list, as alice sees it.
    const tab = await request(server)
      .get('/api/istio-rollouts/entities/default/component/agent-web/requests')
      .query({ status: 'pending' })
      .set('Authorization', ALICE);
    expect(tab.body.items.map((r: any) => r.id)).toEqual([id]);

    // The owners heard of it (alice is in team-bookinfo); bob did not.
    const deadline = Date.now() + 20_000;
    let titles: string[] = [];
    while (Date.now() < deadline) {
      const inbox = await request(server)
        .get('/api/notifications')
        .set('Authorization', ALICE);
      titles = inbox.body.notifications?.map((n: any) => n.payload.title) ?? [];
      if (titles.length) break;
      await new Promise(r => setTimeout(r, 300));
    }
    expect(titles.join('\n')).toMatch(/agent-web/);
    const bobInbox = await request(server)
      .get('/api/notifications')
      .set('Authorization', BOB);
    expect(bobInbox.body.notifications ?? []).toEqual([]);

    // bob cannot decide his own request, nor can he through any tool.
    const bobApproves = await request(server)
      .post(`/api/istio-rollouts/requests/${id}/approve`)
      .set('Authorization', BOB)
      .send({});
    expect(bobApproves.status).toBe(403);

    const approved = await request(server)
      .post(`/api/istio-rollouts/requests/${id}/approve`)
      .set('Authorization', ALICE)
      .send({ reason: 'looks good' });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('applied');
    const vs = await apiRequest(
      'GET',
      `/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices/web`,
    );
    expect(vs.body.spec.http[0].route.map((d: any) => d.weight)).toEqual([
      75, 25,
    ]);

    const listed = await callTool(BOB, 'list-promotion-requests', {
      entityRef: ENTITY,
      statuses: ['applied'],
    });
    expect(listed.json.requests).toEqual([
      expect.objectContaining({
        id,
        status: 'applied',
        decidedBy: 'user:default/alice',
      }),
    ]);
  });

  it('four eyes: a request alice makes through a tool cannot be approved by alice in the tab', async () => {
    const asked = await callTool(ALICE, 'request-promotion', {
      entityRef: ENTITY,
      target: target(),
      change: { type: 'promote-full' },
      reason: 'ship it',
    });
    expect(asked.isError).toBe(false);
    const own = await request(server)
      .post(`/api/istio-rollouts/requests/${asked.json.request.id}/approve`)
      .set('Authorization', ALICE)
      .send({});
    expect(own.status).toBe(403);
    expect(own.body.error.message).toMatch(/own request|four-eyes/i);
  });

  it('bob gets the same refusal from the preview tool as from the tab', async () => {
    const operation = { type: 'promote-next' };
    const tab = await request(server)
      .post(
        '/api/istio-rollouts/entities/default/component/agent-web/route-actions',
      )
      .set('Authorization', BOB)
      .send({ target: target(), operation, dryRun: true });
    expect(tab.status).toBe(403);
    const tool = await callTool(BOB, 'plan-route-action', {
      entityRef: ENTITY,
      target: target(),
      operation,
    });
    expect(tool.isError).toBe(true);
    expect(tool.text).toBe(`NotAllowedError: ${tab.body.error.message}`);

    // alice, an owner, gets the plan, and nothing changes.
    const plan = await callTool(ALICE, 'plan-route-action', {
      entityRef: ENTITY,
      target: target(),
      operation: {
        type: 'set-weights',
        weights: [
          { host: 'web', subset: 'v1', weight: 50 },
          { host: 'web', subset: 'v2', weight: 50 },
        ],
      },
    });
    expect(plan.isError).toBe(false);
    expect(plan.json).toMatchObject({
      before: 'v1 75%, v2 25%',
      after: 'v1 50%, v2 50%',
    });
    const vs = await apiRequest(
      'GET',
      `/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices/web`,
    );
    expect(vs.body.spec.http[0].route.map((d: any) => d.weight)).toEqual([
      75, 25,
    ]);
  });

  it('bad input gets an error that says what is wrong, and nothing is requested', async () => {
    const cases: Array<[string, object, RegExp]> = [
      [
        'request-promotion',
        {
          entityRef: ENTITY,
          target: target(),
          change: {
            type: 'set-weights',
            weights: [
              { host: 'web', subset: 'v1', weight: -1 },
              { host: 'web', subset: 'v2', weight: 101 },
            ],
          },
          reason: 'more',
        },
        /InputError: .*change\.weights\.1\.weight: must be at most 100/,
      ],
      [
        'request-promotion',
        {
          entityRef: ENTITY,
          target: target(),
          change: { type: 'promote-next' },
          reason: '  ',
        },
        /InputError: .*reason: must say why/,
      ],
      [
        'request-promotion',
        {
          entityRef: ENTITY,
          target: { ...target(), namespace: 'a/b' },
          change: { type: 'promote-next' },
          reason: 'x',
        },
        /InputError: .*target\.namespace: must be a valid Kubernetes namespace name/,
      ],
      [
        'get-rollout-view',
        { entityRef: 'component:default/a b' },
        /InputError: .*not a valid entity name/,
      ],
      [
        'list-promotion-requests',
        { entityRef: ENTITY, statuses: ['bogus'] },
        /InputError: statuses: bogus is not a status/,
      ],
      [
        'get-rollout-view',
        { entityRef: 'component:default/nobody' },
        /NotFoundError/,
      ],
    ];
    for (const [action, args, message] of cases) {
      const result = await callTool(BOB, action, args);
      expect({ action, isError: result.isError, text: result.text }).toEqual({
        action,
        isError: true,
        text: expect.stringMatching(message),
      });
    }
    const pending = await request(server)
      .get('/api/istio-rollouts/entities/default/component/agent-web/requests')
      .query({ status: 'pending' })
      .set('Authorization', BOB);
    expect(
      pending.body.items.filter(
        (r: any) => r.requestedBy === 'user:default/bob',
      ),
    ).toEqual([]);
  });
});
