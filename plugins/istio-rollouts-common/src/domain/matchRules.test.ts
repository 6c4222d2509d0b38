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

import { cookieMatchRegex } from '../write/targetRoute';
import { describeMatch, flattenMatch, selectsUsers } from './matchRules';

describe('flattenMatch', () => {
  it('flattens every kind of condition', () => {
    const match = flattenMatch([
      {
        name: 'everything',
        uri: { prefix: '/api' },
        method: { exact: 'GET' },
        authority: { regex: '.*example' },
        scheme: { exact: 'https' },
        headers: { 'x-user': { exact: 'a' }, 'x-any': {} },
        withoutHeaders: { 'x-bot': { prefix: 'y' } },
        queryParams: { beta: { exact: '1' } },
        port: 8080,
        sourceLabels: { app: 'web' },
        sourceNamespace: 'front',
        gateways: ['mesh'],
      },
      { headers: { Cookie: { regex: '^(.*?;)?(user=jason)(;.*)?$' } } },
      { headers: { cookie: { regex: 'session=[0-9]+' } } },
    ]);
    expect(match).toEqual([
      [
        { kind: 'uri', operator: 'prefix', value: '/api' },
        { kind: 'scheme', operator: 'exact', value: 'https' },
        { kind: 'method', operator: 'exact', value: 'GET' },
        { kind: 'authority', operator: 'regex', value: '.*example' },
        { kind: 'header', name: 'x-user', operator: 'exact', value: 'a' },
        { kind: 'header', name: 'x-any', operator: 'present', value: '' },
        {
          kind: 'withoutHeader',
          name: 'x-bot',
          operator: 'prefix',
          value: 'y',
        },
        { kind: 'queryParam', name: 'beta', operator: 'exact', value: '1' },
        { kind: 'port', operator: 'exact', value: '8080' },
        { kind: 'sourceLabels', name: 'app', operator: 'exact', value: 'web' },
        { kind: 'sourceNamespace', operator: 'exact', value: 'front' },
        { kind: 'gateway', operator: 'exact', value: 'mesh' },
      ],
      [{ kind: 'cookie', name: 'user', operator: 'exact', value: 'jason' }],
      [{ kind: 'cookie', operator: 'regex', value: 'session=[0-9]+' }],
    ]);
    expect(describeMatch(match)).toBe(
      'path starting with /api and scheme = https and method = GET and authority matching .*example and header x-user = a and header x-any present and no header x-bot starting with y and query parameter beta = 1 and port = 8080 and from pods labelled app=web and from namespace front and through gateway mesh or cookie user = jason or cookie matching session=[0-9]+',
    );
  });

  it.each([
    undefined,
    null,
    'x',
    3,
    {},
    [null, 'x', 3, []],
    [{ uri: 'x', headers: [] }],
  ])('tolerates %j', raw => {
    expect(() => flattenMatch(raw)).not.toThrow();
  });

  it('reads back the cookie matches that target-users writes', () => {
    const regex = cookieMatchRegex('canary', 'yes');

    expect(flattenMatch([{ headers: { cookie: { regex } } }])).toEqual([
      [{ kind: 'cookie', name: 'canary', operator: 'exact', value: 'yes' }],
    ]);
    expect(new RegExp(regex).test('theme=dark; canary=yes')).toBe(true);
  });

  it('tells user-selecting matches from path routing', () => {
    expect(selectsUsers(flattenMatch([{ uri: { exact: '/' } }]))).toBe(false);
    expect(
      selectsUsers(flattenMatch([{ queryParams: { a: { exact: 'b' } } }])),
    ).toBe(true);
    expect(describeMatch(flattenMatch([{ uri: { exact: '/login' } }]))).toBe(
      'path /login',
    );
  });
});
