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

// Agents in the demo: an MCP client lists the tools on the demo's MCP
// endpoint and, as bob, asks for reviews' next canary step; alice finds the
// request in the tab in real Chromium and approves it, and the cluster
// follows. Run by scripts/e2e.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  APP,
  BACKEND,
  getJson,
  page,
  patchJson,
  signInAs,
  useChromium,
  userToken,
} from './lib.mjs';

useChromium({ width: 1400, height: 1000 });

const reviews =
  '/apis/networking.istio.io/v1/namespaces/demo/virtualservices/reviews';
const weights = async () =>
  (await getJson(reviews)).spec.http.at(-1).route.map(r => r.weight);

let id = 0;

/** One JSON-RPC call to the demo's MCP endpoint, as an MCP client sends it. */
async function mcp(user, method, params = {}) {
  const res = await fetch(`${BACKEND}/api/mcp-actions/v1`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${await userToken(user)}`,
      Accept: 'application/json, text/event-stream',
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const text = await res.text();
  const data = text.trim().startsWith('{')
    ? text
    : text
        .split('\n')
        .filter(line => line.startsWith('data:'))
        .map(line => line.slice(5))
        .join('');
  const message = JSON.parse(data);
  assert.equal(message.error, undefined, JSON.stringify(message.error));
  return message.result;
}

describe('agents through the MCP endpoint', () => {
  const reason = `canary healthy for an hour (release bot, e2e ${Date.now()})`;
  let tools;

  after(async () => {
    await patchJson(reviews, [
      { op: 'replace', path: '/spec/http/0/route/0/weight', value: 90 },
      { op: 'replace', path: '/spec/http/0/route/1/weight', value: 10 },
    ]);
  });

  it("tools/list lists the plugin's tools", async () => {
    ({ tools } = await mcp('bob', 'tools/list'));
    const ours = tools
      .map(t => t.name)
      .filter(name => name.includes('istio-rollouts'))
      .sort();
    assert.deepEqual(
      ours.map(name => name.replace(/^.*[.:]/, '')),
      [
        'get-rollout-view',
        'list-promotion-requests',
        'plan-route-action',
        'request-promotion',
      ],
    );
  });

  it('bob asks for the next step through the tool; nothing moves yet', async () => {
    assert.deepEqual(await weights(), [90, 10]);
    const name = tools.find(t => t.name.endsWith('request-promotion')).name;
    const result = await mcp('bob', 'tools/call', {
      name,
      arguments: {
        entityRef: 'component:default/reviews',
        target: {
          cluster: 'local',
          namespace: 'demo',
          virtualService: 'reviews',
          route: 'primary',
        },
        change: { type: 'promote-next' },
        reason,
      },
    });
    assert.equal(result.isError, undefined, JSON.stringify(result));
    const created = JSON.parse(result.content[0].text);
    assert.equal(created.request.status, 'pending');
    assert.equal(created.request.requestedBy, 'user:default/bob');
    assert.deepEqual(await weights(), [90, 10]);
  });

  it('alice sees the request in the tab and approves it; the cluster follows', async () => {
    await signInAs('alice');
    await page.goto(`${APP}/catalog/default/component/reviews/istio-rollouts`);
    await page.getByText(reason, { exact: false }).first().waitFor();
    await page.getByRole('button', { name: 'Approve…' }).first().click();
    await page.getByRole('button', { name: 'Approve and apply' }).click();
    await page
      .getByRole('img', { name: 'Traffic split: v1 75%, v2 25%' })
      .waitFor();
    assert.deepEqual(await weights(), [75, 25]);
  });
});
