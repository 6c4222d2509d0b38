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

import { RouteChangePlan, PlanRouteChangeResult } from '../types';
import { applyJsonPatch } from './applyJsonPatch';

// The write tests' own small fixtures: VirtualService `shop/reviews` as the
// API server returns it, with fields the plugin must never touch (labels,
// annotations, a foreign first route, retries and timeouts on the route).

type Json = Record<string, any>;

/** A destination entry `{ destination, weight? }` of host `reviews`. */
export function dest(
  subset: string | undefined,
  weight?: unknown,
  host = 'reviews',
): Json {
  const destination: Json = { host };
  if (subset) destination.subset = subset;
  // null stands for a missing weight, so callers can skip a default.
  return weight === undefined || weight === null
    ? { destination }
    : { destination, weight };
}

/** The route promotions move, with fields others wrote on it. */
export function primary(...route: Json[]): Json {
  return {
    name: 'primary',
    route,
    timeout: '10s',
    retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx' },
    headers: { request: { set: { 'x-served-by': 'mesh' } } },
  };
}

/** A route someone else wrote, before the primary one. */
export const debugRoute: Json = {
  name: 'debug',
  match: [{ uri: { prefix: '/debug' } }],
  route: [{ destination: { host: 'ratings', port: { number: 9080 } } }],
};

/** VirtualService shop/reviews with the given http routes. */
export function reviewsVs(http: Json[], resourceVersion = '1000'): Json {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: {
      name: 'reviews',
      namespace: 'shop',
      resourceVersion,
      generation: 4,
      labels: { app: 'reviews' },
      annotations: { 'example.com/owner': 'team-a' },
    },
    spec: {
      hosts: ['reviews'],
      gateways: ['mesh'],
      http,
      tcp: [
        {
          route: [{ destination: { host: 'reviews', port: { number: 9000 } } }],
        },
      ],
    },
  };
}

/** `debug` then `primary` with a v1/v2 split. */
export function canaryVs(v1: unknown = 90, v2: unknown = 10): Json {
  return reviewsVs([debugRoute, primary(dest('v1', v1), dest('v2', v2))]);
}

/** `debug` then `primary` with a lone v1 destination (no weight). */
export function loneVs(): Json {
  return reviewsVs([debugRoute, primary(dest('v1'))]);
}

/** The reviews versions the fixtures route to, as a write names them. */
export const v1 = { host: 'reviews', subset: 'v1' };
export const v2 = { host: 'reviews', subset: 'v2' };
/** How refusals name the fixtures' primary route. */
export const where = "VirtualService shop/reviews, route 'primary'";

/** What a refusal with this status and message (exact, or matched) equals. */
export const refused = (status: number, message: RegExp | string) => ({
  ok: false,
  status,
  message:
    typeof message === 'string' ? message : expect.stringMatching(message),
});

export const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value));

/** The plan, or a failure that shows the refusal. */
export function expectPlan(result: PlanRouteChangeResult): RouteChangePlan {
  if (!result.ok) {
    throw new Error(`expected a plan, got ${result.status}: ${result.message}`);
  }
  return result;
}

/**
 * Asserts what every plan must guarantee: tests first (resourceVersion
 * leading), no whole-list writes, the patch applies to the original and
 * yields `resultingRoute` with every other field unchanged, and it fails
 * on a `test` op against a changed resourceVersion or changed weights.
 */
export function expectSafePlan(original: Json, result: PlanRouteChangeResult) {
  const plan = expectPlan(result);
  const { patch } = plan;
  expect(patch[0]).toEqual({
    op: 'test',
    path: '/metadata/resourceVersion',
    value: original.metadata.resourceVersion,
  });
  const firstChange = patch.findIndex(op => op.op !== 'test');
  if (firstChange >= 0) {
    expect(patch.slice(firstChange).filter(op => op.op === 'test')).toEqual([]);
  }
  expect(plan.changed).toBe(firstChange >= 0);
  for (const op of patch) {
    expect(['', '/spec', '/spec/http', '/metadata']).not.toContain(op.path);
  }

  const before = clone(original);
  const patched = applyJsonPatch(original, patch);
  expect(original).toEqual(before);
  expect(patched.spec.http[plan.after.index]).toEqual(plan.resultingRoute);

  const expected = clone(original);
  const http: unknown[] = expected.spec.http;
  [...(plan.removedRoutes ?? [])]
    .sort((a, b) => b.index - a.index)
    .forEach(r => {
      expect(http[r.index]).toMatchObject({ name: r.name });
      http.splice(r.index, 1);
    });
  if (plan.addedRoute)
    http.splice(plan.addedRoute.index, 0, plan.addedRoute.route);
  http[plan.after.index] = plan.resultingRoute;
  expect(patched).toEqual(expected);

  const stale = clone(original);
  stale.metadata.resourceVersion = `${original.metadata.resourceVersion}1`;
  expect(() => applyJsonPatch(stale, patch)).toThrow(
    /^op 0 \(test .*test failed/,
  );

  const moved = clone(original);
  const entry = moved.spec.http[plan.before.index].route[0];
  if ('weight' in entry) entry.weight = 37;
  else entry.destination.subset = 'moved';
  expect(() => applyJsonPatch(moved, patch)).toThrow(/\(test .*test failed/);
  return { plan, patched };
}
