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

import { applyJsonPatch } from './applyJsonPatch';

describe('applyJsonPatch (test helper)', () => {
  const doc = {
    metadata: { resourceVersion: '7', 'a/b': 1, 'c~d': 2 },
    list: [1, 2, 3],
  };

  it('adds, replaces and removes object members and list items', () => {
    expect(
      applyJsonPatch(doc, [
        { op: 'add', path: '/metadata/new', value: { x: 1 } },
        { op: 'replace', path: '/metadata/resourceVersion', value: '8' },
        { op: 'remove', path: '/metadata/a~1b' },
        { op: 'replace', path: '/metadata/c~0d', value: 3 },
        { op: 'add', path: '/list/1', value: 9 },
        { op: 'add', path: '/list/-', value: 4 },
        { op: 'remove', path: '/list/0' },
      ]),
    ).toEqual({
      metadata: { resourceVersion: '8', 'c~d': 3, new: { x: 1 } },
      list: [9, 2, 3, 4],
    });
    expect(doc.list).toEqual([1, 2, 3]);
  });

  it('passes a test that holds, key order aside', () => {
    expect(
      applyJsonPatch({ a: { x: 1, y: [1] } }, [
        { op: 'test', path: '/a', value: { y: [1], x: 1 } },
      ]),
    ).toEqual({ a: { x: 1, y: [1] } });
  });

  it.each([
    [
      { op: 'test', path: '/metadata/resourceVersion', value: '8' },
      /test failed/,
    ],
    [{ op: 'test', path: '/metadata/missing', value: 1 }, /does not exist/],
    [{ op: 'test', path: '/list', value: [1, 2] }, /test failed/],
    [{ op: 'replace', path: '/metadata/missing', value: 1 }, /does not exist/],
    [{ op: 'remove', path: '/list/3' }, /does not exist/],
    [{ op: 'add', path: '/list/5', value: 1 }, /out of bounds/],
    [{ op: 'add', path: '/nope/x', value: 1 }, /does not exist/],
    [{ op: 'add', path: '/list/01', value: 1 }, /not an array index/],
    [{ op: 'add', path: 'list', value: 1 }, /bad pointer/],
  ] as const)('fails %j', (op, error) => {
    expect(() => applyJsonPatch(doc, [op])).toThrow(error);
  });

  it('stops at the first failing op', () => {
    expect(() =>
      applyJsonPatch(doc, [
        { op: 'test', path: '/list/0', value: 2 },
        { op: 'remove', path: '/list' },
      ]),
    ).toThrow(/^op 0 \(test \/list\/0\)/);
  });
});
