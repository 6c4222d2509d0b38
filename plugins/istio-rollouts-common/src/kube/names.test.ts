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

import {
  isValidNamespaceName,
  isValidObjectName,
  isValidSubsetName,
} from './names';

describe('isValidObjectName', () => {
  it.each([
    ['reviews', true],
    ['reviews.bookinfo', true],
    ['a', true],
    ['Reviews', false],
    ['re/views', false],
    ['-reviews', false],
    ['x'.repeat(254), false],
  ])('%s -> %s', (name, expected) => {
    expect(isValidObjectName(name)).toBe(expected);
  });
});

describe('isValidNamespaceName and isValidSubsetName', () => {
  it.each([
    ['v2', true],
    ['canary-1', true],
    ['x'.repeat(63), true],
    ['x'.repeat(64), false],
    ['V2', false],
    ['v2.1', false],
    ['v_2', false],
    ['-v2', false],
    ['', false],
  ])('%s -> %s', (name, expected) => {
    expect(isValidNamespaceName(name)).toBe(expected);
    expect(isValidSubsetName(name)).toBe(expected);
  });
});
