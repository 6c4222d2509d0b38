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

// Checks the load bench's own pure helpers, in a second, with no cluster:
// ./bench/run loadSelftest. The percentile is nearest-rank; every fuzz
// case that is meant to be malformed is refused by its endpoint's schema
// (so none can be applied by accident), and every endpoint has cases.

import assert from 'node:assert/strict';
import {
  DELETE,
  HUGE,
  fuzzCases,
  pathsOf,
  schemaRefuses,
  toJsonText,
  validBodies,
  withPath,
} from './lib/fuzzCases';
import { percentile } from './lib/stats';
import {
  createPromotionRequestSchema,
  routeActionRequestSchema,
  scaleRequestSchema,
} from '../plugins/istio-rollouts-backend/src/service/requestSchemas';

const target = {
  cluster: 'local',
  namespace: 'demo',
  virtualService: 'reviews',
  route: 'primary',
  host: 'reviews',
  subsets: ['v1', 'v2'] as [string, string],
};

// percentile: nearest rank.
const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1
assert.equal(percentile(hundred, 50), 50);
assert.equal(percentile(hundred, 99), 99);
assert.equal(percentile(hundred, 100), 100);
assert.equal(percentile(hundred, 1), 1);
assert.equal(percentile([7], 99), 7);
assert.equal(percentile([3, 1, 2], 50), 2);
assert.equal(percentile([1, 2, 3, 4], 50), 2);
assert.equal(percentile([1, 2, 3, 4], 51), 3);
assert.deepEqual(
  hundred.slice(0, 2),
  [100, 99],
  'percentile must not sort its input in place',
);

// Body helpers.
assert.equal(
  toJsonText({ a: '@@RAW:NaN@@', b: ['@@RAW:1e400@@'] }),
  '{"a":NaN,"b":[1e400]}',
);
assert.deepEqual(pathsOf({ a: [1, { b: 2 }] }), [
  ['a'],
  ['a', 0],
  ['a', 1],
  ['a', 1, 'b'],
]);
assert.deepEqual(withPath({ a: [1, 2] }, ['a', 0], DELETE), { a: [2] });
assert.deepEqual(withPath({ a: { b: 1 } }, ['a', 'b'], 5), { a: { b: 5 } });
assert.equal(HUGE.length, 1024 * 1024);

// The valid bodies the mutations start from are valid.
const valid = validBodies(target);
assert.ok(routeActionRequestSchema.safeParse(valid.routeAction).success);
assert.ok(scaleRequestSchema.safeParse(valid.scale).success);
assert.ok(createPromotionRequestSchema.safeParse(valid.createRequest).success);

// Every malformed JSON body is refused by its schema.
const cases = fuzzCases({ entity: 'reviews', target });
const notJson = (c: (typeof cases)[number]) =>
  c.contentType !== undefined && c.contentType !== 'application/json';
const bodyChecked = cases.filter(
  c => !c.semantic && !notJson(c) && schemaRefuses(c) !== undefined,
);
const accepted = bodyChecked.filter(c => schemaRefuses(c) === false);
// Bodies on a malformed path are valid on purpose: the path is what is wrong.
const acceptedOnGoodPaths = accepted.filter(c =>
  /^\/(entities\/default\/component\/reviews\/|requests\/[0-9a-f-]{36}\/)/.test(
    c.path,
  ),
);
assert.deepEqual(
  acceptedOnGoodPaths.filter(c => !c.auth).map(c => `${c.endpoint}: ${c.what}`),
  [],
  'cases meant to be malformed that the schema accepts',
);

// Coverage: at least 300 malformed requests, every endpoint of router.ts.
const malformed = cases.filter(c => !c.semantic);
assert.ok(malformed.length >= 300, `only ${malformed.length} malformed cases`);
const endpoints = new Set(cases.map(c => c.endpoint));
for (const e of [
  'GET view',
  'GET history',
  'GET requests',
  'POST requests',
  'POST route-actions',
  'POST scale',
  'POST requests/:id/approve',
  'POST requests/:id/reject',
  'POST requests/:id/cancel',
  'GET audit',
  'GET audit/export',
]) {
  assert.ok(endpoints.has(e), `no fuzz case for ${e}`);
}
for (const needle of [
  '101',
  '-1',
  'NaN',
  '1048576',
  'unknown field',
  '..%2F',
  'encoded NUL',
  'cursor',
]) {
  assert.ok(
    cases.some(c => c.what.includes(needle) || c.path.includes(needle)),
    `no case with ${needle}`,
  );
}
assert.ok(
  cases.some(c => c.body?.includes('"weight":NaN')),
  'no weight of NaN (a bare token, not a string)',
);
assert.ok(
  cases.some(c => c.semantic && c.what.includes('subset')),
  'no unknown-subset case',
);

console.log(
  `load bench self-test: OK (percentile; ${cases.length} fuzz cases over ${endpoints.size} endpoints, ${malformed.length} malformed, ${bodyChecked.length} bodies checked against their schemas)`,
);
