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
  buildTargetRoute,
  cookieMatchRegex,
  isTargetRouteName,
  readUserMatch,
  TARGET_ROUTE_PREFIX,
  targetMatch,
  targetRouteName,
} from './targetRoute';
import { UserMatch } from './types';

const full = (m: Partial<UserMatch>): Required<UserMatch> => ({
  kind: 'header',
  name: 'end-user',
  value: 'jason',
  operator: 'exact',
  ...m,
});

const text = (message: string | RegExp) =>
  typeof message === 'string' ? message : expect.stringMatching(message);

describe('isTargetRouteName', () => {
  it.each([
    ['istio-rollouts-target-header-end-user-jason', true],
    [TARGET_ROUTE_PREFIX, false],
    ['primary', false],
    ['my-istio-rollouts-target-x', false],
    [undefined, false],
    [3, false],
  ])('%p → %p', (name, expected) => {
    expect(isTargetRouteName(name)).toBe(expected);
  });
});

describe('cookieMatchRegex', () => {
  const matches = (regex: string, header: string) =>
    new RegExp(regex).test(header);

  it('matches the cookie wherever it sits in the header', () => {
    const regex = cookieMatchRegex('user', 'jason');
    expect(regex).toBe('^(.*?;\\s*)?(user=jason)(;.*)?$');
    for (const header of [
      'user=jason',
      'a=1; user=jason',
      'a=1;user=jason',
      'a=1; user=jason; b=2',
    ]) {
      expect(matches(regex, header)).toBe(true);
    }
    for (const header of [
      'xuser=jason',
      'user=jasonx',
      'a=1; user=jason2',
      'a=user=jason',
      'user=bob; other=user=jason',
    ]) {
      expect(matches(regex, header)).toBe(false);
    }
  });

  it('escapes names and values, and supports prefix and regex', () => {
    expect(cookieMatchRegex('a.b', 'x+y')).toBe(
      '^(.*?;\\s*)?(a\\.b=x\\+y)(;.*)?$',
    );
    const prefix = cookieMatchRegex('user', 'dev', 'prefix');
    expect(matches(prefix, 'a=1; user=dev-42; b=2')).toBe(true);
    expect(matches(prefix, 'user=prod')).toBe(false);
    const regex = cookieMatchRegex('user', 'dev-[0-9]+|qa', 'regex');
    expect(matches(regex, 'user=qa')).toBe(true);
    expect(matches(regex, 'user=dev-7; x=1')).toBe(true);
    expect(matches(regex, 'user=dev-x')).toBe(false);
  });
});

describe('readUserMatch', () => {
  it('lowercases header names and defaults to exact', () => {
    expect(
      readUserMatch({ kind: 'header', name: 'End-User', value: 'Jason' }),
    ).toEqual({
      ok: true,
      match: full({ value: 'Jason' }),
      header: 'end-user',
      condition: { exact: 'Jason' },
    });
  });

  it('turns a cookie into a regex on the cookie header', () => {
    expect(
      readUserMatch({
        kind: 'cookie',
        name: 'Group',
        value: 'beta',
        operator: 'prefix',
      }),
    ).toEqual({
      ok: true,
      match: {
        kind: 'cookie',
        name: 'Group',
        value: 'beta',
        operator: 'prefix',
      },
      header: 'cookie',
      condition: { regex: '^(.*?;\\s*)?(Group=beta[^;]*)(;.*)?$' },
    });
  });

  it.each([
    [null, 'match must be an object with kind, name and value'],
    [
      { kind: 'query', name: 'a', value: 'b' },
      'match kind "query" is not header or cookie',
    ],
    [
      { kind: 'header', name: 'a', value: 'b', operator: 'suffix' },
      'match operator "suffix" is not exact, prefix or regex',
    ],
    [
      { kind: 'header', value: 'b' },
      'match of a header needs a name and a non-empty value',
    ],
    [
      { kind: 'cookie', name: 'a', value: '' },
      'match of a cookie needs a name and a non-empty value',
    ],
    [
      { kind: 'header', name: ':authority', value: 'b' },
      '":authority" is not a valid HTTP header name',
    ],
    [
      { kind: 'header', name: 'a', value: 'b\r\nx: y' },
      'header value "b\\r\\nx: y" has control characters',
    ],
    [
      { kind: 'header', name: 'a', value: '(', operator: 'regex' },
      'regex "(" is not a valid regular expression',
    ],
    [
      { kind: 'header', name: 'a', value: 'a(?=b)', operator: 'regex' },
      /lookaround or a backreference, which Istio's RE2 does not support/,
    ],
    [
      { kind: 'header', name: 'a', value: '(a)\\1', operator: 'regex' },
      /lookaround or a backreference/,
    ],
    [
      { kind: 'cookie', name: 'a b', value: 'c' },
      '"a b" is not a valid cookie name',
    ],
    [
      { kind: 'cookie', name: 'a', value: 'b;c' },
      '"b;c" is not a valid cookie value',
    ],
    [
      { kind: 'cookie', name: 'a', value: 'b c' },
      '"b c" is not a valid cookie value',
    ],
    [
      { kind: 'cookie', name: 'a', value: '^b', operator: 'regex' },
      /applies to the cookie's value; leave out \^ and \$/,
    ],
    [
      { kind: 'cookie', name: 'a', value: 'b$', operator: 'regex' },
      /leave out/,
    ],
  ])('refuses %j', (match, message) => {
    expect(readUserMatch(match)).toEqual({
      ok: false,
      status: 400,
      message: text(message),
    });
  });
});

describe('targetRouteName', () => {
  it('is readable when the match is', () => {
    expect(targetRouteName(full({}))).toBe(
      'istio-rollouts-target-header-end-user-jason',
    );
    expect(
      targetRouteName(
        full({
          kind: 'cookie',
          name: 'user',
          operator: 'prefix',
          value: 'dev',
        }),
      ),
    ).toBe('istio-rollouts-target-cookie-user-prefix-dev');
  });

  it('adds a hash when the slug loses information, so names stay distinct', () => {
    const upper = targetRouteName(full({ value: 'Jason' }));
    const lower = targetRouteName(full({ value: 'jason' }));
    expect(upper).toMatch(
      /^istio-rollouts-target-header-end-user-jason-[a-z0-9]+$/,
    );
    expect(upper).not.toBe(lower);
    expect(targetRouteName(full({ value: 'Jason' }))).toBe(upper);
    expect(targetRouteName(full({ value: 'a.b' }))).not.toBe(
      targetRouteName(full({ value: 'a_b' })),
    );
  });

  it('keeps names to 63 characters', () => {
    const long = targetRouteName(full({ value: 'x'.repeat(200) }));
    const other = targetRouteName(full({ value: `${'x'.repeat(199)}y` }));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).not.toBe(other);
    expect(isTargetRouteName(long)).toBe(true);
  });
});

describe('targetMatch and buildTargetRoute', () => {
  const condition = { exact: 'jason' };

  it('matches only the header on a catch-all route', () => {
    for (const base of [undefined, []]) {
      expect(targetMatch(base, 'end-user', condition, 'r')).toEqual({
        ok: true,
        match: [{ headers: { 'end-user': condition } }],
      });
    }
  });

  it('refuses a second condition on the same header, and odd entries', () => {
    expect(
      targetMatch(
        [{ headers: { 'END-USER': { exact: 'x' } } }],
        'end-user',
        condition,
        'r',
      ),
    ).toEqual({
      ok: false,
      status: 409,
      message:
        "r already matches on header 'end-user'; a targeted route inside it would need two conditions on one header",
    });
    expect(targetMatch([1], 'end-user', condition, 'r')).toMatchObject({
      status: 422,
    });
  });

  it('copies the base route’s policies but not its name, match, split or mirror', () => {
    const base = {
      name: 'primary',
      match: [{ uri: { prefix: '/' } }],
      route: [{ destination: { host: 'reviews', subset: 'v1' }, weight: 100 }],
      mirror: { host: 'reviews', subset: 'v2' },
      mirrorPercentage: { value: 10 },
      mirror_percent: 10,
      mirrorPercent: 10,
      mirrors: [],
      rewrite: { uri: '/' },
      timeout: '5s',
      retries: { attempts: 2 },
      fault: { abort: { httpStatus: 500, percentage: { value: 1 } } },
      corsPolicy: { allowOrigins: [{ exact: 'https://a' }] },
      headers: { response: { remove: ['x'] } },
    };
    expect(
      buildTargetRoute(base, 'n', [{ headers: {} }], {
        host: 'reviews',
        subset: 'v3',
        port: 80,
      }),
    ).toEqual({
      name: 'n',
      match: [{ headers: {} }],
      route: [
        {
          destination: { host: 'reviews', subset: 'v3', port: { number: 80 } },
        },
      ],
      rewrite: base.rewrite,
      timeout: base.timeout,
      retries: base.retries,
      fault: base.fault,
      corsPolicy: base.corsPolicy,
      headers: base.headers,
    });
  });
});
