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

import { isWebhookToken, webhookToken } from './webhookToken';

const SECRET = 'a-secret-of-at-least-thirty-two-characters';

describe('webhookToken', () => {
  it('is the first 32 characters of base64url(HMAC-SHA256(secret, cluster/namespace/name))', () => {
    // Computed with: printf 'local/demo/podinfo' | openssl dgst -sha256
    //   -hmac "$SECRET" -binary | base64 | tr '+/' '-_' | tr -d '=' | cut -c1-32
    expect(
      webhookToken(SECRET, {
        cluster: 'local',
        namespace: 'demo',
        name: 'podinfo',
      }),
    ).toBe('IkA3vttcVnNKQuqqJoHPp0Cb9yr8jvKM');
    expect(
      webhookToken(SECRET, {
        cluster: 'local',
        namespace: 'demo',
        name: 'podinfo2',
      }),
    ).toBe('ubNMOUV1kjuLxg6OJ1ZFRrqkRkMz9Coz');
  });

  it("differs per Canary, cluster and secret, so one leaked token opens one Canary's gates", () => {
    const base = { cluster: 'local', namespace: 'demo', name: 'podinfo' };
    const tokens = new Set([
      webhookToken(SECRET, base),
      webhookToken(SECRET, { ...base, cluster: 'prod' }),
      webhookToken(SECRET, { ...base, namespace: 'demo2' }),
      webhookToken(SECRET, { ...base, name: 'other' }),
      webhookToken(`${SECRET}!`, base),
    ]);
    expect(tokens.size).toBe(5);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('accepts exactly the token', () => {
    const canary = { cluster: 'local', namespace: 'demo', name: 'podinfo' };
    const token = webhookToken(SECRET, canary);
    expect(isWebhookToken(SECRET, canary, token)).toBe(true);
    const last = token.endsWith('A') ? 'B' : 'A';
    expect(isWebhookToken(SECRET, canary, `${token.slice(0, 31)}${last}`)).toBe(
      false,
    );
    expect(isWebhookToken(SECRET, canary, token.slice(0, 31))).toBe(false);
    expect(isWebhookToken(SECRET, canary, `${token}a`)).toBe(false);
    expect(isWebhookToken(SECRET, canary, '')).toBe(false);
    expect(isWebhookToken(SECRET, canary, undefined)).toBe(false);
    expect(isWebhookToken(SECRET, canary, [token])).toBe(false);
    expect(isWebhookToken(SECRET, { ...canary, name: 'other' }, token)).toBe(
      false,
    );
  });
});
