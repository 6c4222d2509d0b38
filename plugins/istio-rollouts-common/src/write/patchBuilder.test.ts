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

import { applyJsonPatch } from './__testUtils__/applyJsonPatch';
import {
  cloneJson,
  jsonEqual,
  jsonPointer,
  PatchBuilder,
} from './patchBuilder';

describe('jsonPointer and jsonEqual', () => {
  it('escapes ~ and / in keys', () => {
    expect(jsonPointer(['spec', 'http', 2, 'a/b~c'])).toBe(
      '/spec/http/2/a~1b~0c',
    );
    expect(jsonPointer([])).toBe('');
  });

  it('compares JSON values, key order aside', () => {
    expect(
      jsonEqual({ a: [1, { b: 2 }], c: null }, { c: null, a: [1, { b: 2 }] }),
    ).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(jsonEqual([1], { 0: 1 })).toBe(false);
    expect(jsonEqual(1, '1')).toBe(false);
    expect(cloneJson(undefined)).toBeUndefined();
  });
});

describe('PatchBuilder', () => {
  const original = { a: { x: 1, list: [1, 2] }, b: 'keep' };

  it('chooses add or replace from what is there, and skips equal values', () => {
    const builder = new PatchBuilder(original);
    builder.test(['a', 'x'], 1);
    builder.set(['a', 'x'], 2);
    builder.set(['a', 'y'], { z: 1 });
    builder.set(['b'], 'keep');
    builder.insert(['a', 'list', 2], 3);
    builder.insert(['a', 'list', 0], 0);
    builder.remove(['a', 'list', 1]);
    builder.remove(['a', 'missing']);
    builder.test(['b'], 'keep');
    expect(builder.patch).toEqual([
      { op: 'test', path: '/a/x', value: 1 },
      { op: 'test', path: '/b', value: 'keep' },
      { op: 'replace', path: '/a/x', value: 2 },
      { op: 'add', path: '/a/y', value: { z: 1 } },
      { op: 'add', path: '/a/list/2', value: 3 },
      { op: 'add', path: '/a/list/0', value: 0 },
      { op: 'remove', path: '/a/list/1' },
    ]);
    expect(builder.doc).toEqual({
      a: { x: 2, y: { z: 1 }, list: [0, 2, 3] },
      b: 'keep',
    });
    expect(applyJsonPatch(original, builder.patch)).toEqual(builder.doc);
    expect(original).toEqual({ a: { x: 1, list: [1, 2] }, b: 'keep' });
    expect(builder.changed).toBe(true);
  });

  it('copies values, so later edits do not leak into the patch', () => {
    const builder = new PatchBuilder(original);
    const value = { n: 1 };
    builder.set(['c'], value);
    value.n = 2;
    expect(builder.patch).toEqual([{ op: 'add', path: '/c', value: { n: 1 } }]);
    expect(builder.has(['a', 'list', 1])).toBe(true);
    expect(builder.has(['a', 'list', 2])).toBe(false);
    expect(builder.get(['a', 'x'])).toBe(1);
  });

  it('has no changes when nothing changed', () => {
    const builder = new PatchBuilder(original);
    builder.set(['a', 'x'], 1);
    expect(builder.changed).toBe(false);
    expect(builder.patch).toEqual([]);
  });

  it('throws on a planner bug rather than emit a bad path', () => {
    const builder = new PatchBuilder(original);
    expect(() => builder.set(['nope', 'x'], 1)).toThrow(
      'no parent for /nope/x',
    );
    expect(() => builder.insert(['a', 'list', 5], 1)).toThrow(
      'cannot insert at /a/list/5',
    );
  });
});
