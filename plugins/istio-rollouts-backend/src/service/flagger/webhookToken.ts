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

import { createHmac, timingSafeEqual } from 'node:crypto';

// Flagger calls a webhook with a bare POST: no header, no client
// certificate, nothing but the URL it was given. So the URL carries the
// credential, and each Canary gets its own: a Canary spec that leaks (it
// sits in Git, in `kubectl get canary -o yaml`, in Flagger's events)
// exposes the gates of that Canary only, never another's.

/** Length of a token: 32 base64url characters, 192 bits of the HMAC. */
export const WEBHOOK_TOKEN_LENGTH = 32;

/**
 * The token of one Canary's webhooks: the first 32 characters of
 * base64url(HMAC-SHA256(secret, `${cluster}/${namespace}/${name}`)). The
 * same for every gate of the Canary, so an adopter copies one token.
 */
export function webhookToken(
  secret: string,
  canary: { cluster: string; namespace: string; name: string },
): string {
  return createHmac('sha256', secret)
    .update(`${canary.cluster}/${canary.namespace}/${canary.name}`)
    .digest('base64url')
    .slice(0, WEBHOOK_TOKEN_LENGTH);
}

/**
 * Whether `given` is the Canary's token, in time that does not depend on
 * how much of it matches.
 */
export function isWebhookToken(
  secret: string,
  canary: { cluster: string; namespace: string; name: string },
  given: unknown,
): boolean {
  if (typeof given !== 'string') return false;
  const expected = Buffer.from(webhookToken(secret, canary));
  const actual = Buffer.from(given);
  // The length is public (always 32); only equal lengths can be compared.
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
