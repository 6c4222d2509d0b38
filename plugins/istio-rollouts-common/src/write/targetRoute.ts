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

import { asArray, asRecord, isRecord, JsonRecord } from '../kube/guards';
import { refuse, toIstioDestination } from './destinations';
import { DestinationRef, RouteChangeRefusal, UserMatch } from './types';

// Targeted routes: an http route inserted just before a route, picking
// chosen users by a header or a cookie and sending them to one version.
// Their names carry a prefix, which is how this plugin recognises routes it
// may remove; it never removes a route someone else wrote.

/**
 * Prefix of the names of http routes this plugin inserts for targeting.
 *
 * @public
 */
export const TARGET_ROUTE_PREFIX = 'istio-rollouts-target-';

/**
 * Whether an http route name marks a targeted route this plugin added.
 *
 * @public
 */
export function isTargetRouteName(name: unknown): boolean {
  return (
    typeof name === 'string' &&
    name.startsWith(TARGET_ROUTE_PREFIX) &&
    name.length > TARGET_ROUTE_PREFIX.length
  );
}

const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const COOKIE_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
// RFC 6265 cookie-octet: no space, quote, comma, semicolon or backslash.
const COOKIE_VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]+$/;

const hasControlCharacters = (s: string) =>
  [...s].some(c => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The regex on the `cookie` header that matches one cookie: the form of
 * Istio's docs and Flagger, `^(.*?;)?(name=value)(;.*)?$`, but tolerating
 * the space browsers put after each `;` (RFC 6265 joins cookies with
 * `; `); without it a cookie that is not the first one never matches.
 *
 * @public
 */
export function cookieMatchRegex(
  name: string,
  value: string,
  operator: UserMatch['operator'] = 'exact',
): string {
  let valuePattern = escapeRegex(value);
  if (operator === 'prefix') valuePattern = `${valuePattern}[^;]*`;
  if (operator === 'regex') valuePattern = `(?:${value})`;
  return `^(.*?;\\s*)?(${escapeRegex(name)}=${valuePattern})(;.*)?$`;
}

function regexProblem(pattern: string): string | undefined {
  // Istio evaluates RE2, which has no lookaround and no backreferences;
  // JavaScript's parser catches the rest of the syntax errors.
  if (/\(\?<?[=!]|\\[1-9]/.test(pattern)) {
    return `regex ${JSON.stringify(
      pattern,
    )} uses lookaround or a backreference, which Istio's RE2 does not support`;
  }
  try {
    RegExp(pattern);
    return undefined;
  } catch {
    return `regex ${JSON.stringify(pattern)} is not a valid regular expression`;
  }
}

/**
 * A user match checked and normalised: header names lowercased (Istio
 * requires lowercase header keys), the cookie turned into a regex on the
 * `cookie` header.
 *
 * @internal
 */
export function readUserMatch(value: unknown):
  | {
      ok: true;
      match: Required<UserMatch>;
      header: string;
      condition: JsonRecord;
    }
  | RouteChangeRefusal {
  if (!isRecord(value)) {
    return refuse(400, 'match must be an object with kind, name and value');
  }
  const { kind, name, value: matchValue } = value;
  const operator = value.operator ?? 'exact';
  if (kind !== 'header' && kind !== 'cookie') {
    return refuse(
      400,
      `match kind ${JSON.stringify(kind)} is not header or cookie`,
    );
  }
  if (operator !== 'exact' && operator !== 'prefix' && operator !== 'regex') {
    return refuse(
      400,
      `match operator ${JSON.stringify(
        operator,
      )} is not exact, prefix or regex`,
    );
  }
  if (
    typeof name !== 'string' ||
    typeof matchValue !== 'string' ||
    !matchValue
  ) {
    return refuse(400, `match of a ${kind} needs a name and a non-empty value`);
  }
  if (operator === 'regex') {
    const problem = regexProblem(matchValue);
    if (problem) return refuse(400, problem);
  }
  if (kind === 'header') {
    const header = name.toLowerCase();
    if (!HEADER_NAME.test(header)) {
      return refuse(
        400,
        `${JSON.stringify(name)} is not a valid HTTP header name`,
      );
    }
    if (operator !== 'regex' && hasControlCharacters(matchValue)) {
      return refuse(
        400,
        `header value ${JSON.stringify(matchValue)} has control characters`,
      );
    }
    return {
      ok: true,
      match: { kind, name: header, value: matchValue, operator },
      header,
      condition: { [operator]: matchValue },
    };
  }
  if (!COOKIE_NAME.test(name)) {
    return refuse(400, `${JSON.stringify(name)} is not a valid cookie name`);
  }
  if (operator === 'regex' && /^\^|\$$/.test(matchValue)) {
    return refuse(
      400,
      `cookie regex ${JSON.stringify(
        matchValue,
      )} applies to the cookie's value; leave out ^ and $`,
    );
  }
  if (operator !== 'regex' && !COOKIE_VALUE.test(matchValue)) {
    return refuse(
      400,
      `${JSON.stringify(matchValue)} is not a valid cookie value`,
    );
  }
  return {
    ok: true,
    match: { kind, name, value: matchValue, operator },
    header: 'cookie',
    condition: { regex: cookieMatchRegex(name, matchValue, operator) },
  };
}

// FNV-1a: a short, stable suffix when the readable part of a name loses
// information (case, punctuation, length), so two matches never share a name.
function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  }
  return hash.toString(36);
}

const MAX_NAME = 63;

/**
 * The name of the targeted route for a match, e.g.
 * `istio-rollouts-target-header-end-user-jason`. The same match always
 * gives the same name, which is how a second identical request is caught.
 *
 * @internal
 */
export function targetRouteName(match: Required<UserMatch>): string {
  const parts = [match.kind, match.name];
  if (match.operator !== 'exact') parts.push(match.operator);
  parts.push(match.value);
  const readable = parts.join('-');
  let slug = readable
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const room = MAX_NAME - TARGET_ROUTE_PREFIX.length;
  if (slug !== readable || slug.length > room) {
    const hash = shortHash(JSON.stringify(parts));
    slug = `${slug
      .slice(0, room - hash.length - 1)
      .replace(/-+$/, '')}-${hash}`;
  }
  return `${TARGET_ROUTE_PREFIX}${slug}`;
}

/**
 * The targeted route's `match`: the condition ANDed into every entry of
 * the base route's own match, so targeting inside a route that matches
 * `/api` still only takes `/api` requests.
 *
 * @internal
 */
export function targetMatch(
  baseMatch: unknown,
  header: string,
  condition: JsonRecord,
  where: string,
): { ok: true; match: JsonRecord[] } | RouteChangeRefusal {
  const entries = asArray(baseMatch);
  if (entries.length === 0) {
    return { ok: true, match: [{ headers: { [header]: condition } }] };
  }
  const match: JsonRecord[] = [];
  for (const entry of entries) {
    if (!isRecord(entry)) {
      return refuse(422, `${where} has a match entry that is not an object`);
    }
    const headers = asRecord(entry.headers);
    if (Object.keys(headers).some(k => k.toLowerCase() === header)) {
      return refuse(
        409,
        `${where} already matches on header '${header}'; a targeted route inside it would need two conditions on one header`,
      );
    }
    match.push({ ...entry, headers: { ...headers, [header]: condition } });
  }
  return { ok: true, match };
}

// Everything else of the base route is copied, so targeted users get the
// same timeouts, retries, rewrites, header rules and faults as everyone
// else: only which version serves them differs. The mirror is not copied
// (shadowing is about the route's split, not about chosen users).
const NOT_COPIED = new Set([
  'name',
  'match',
  'route',
  'mirror',
  'mirrorPercentage',
  'mirror_percent',
  'mirrorPercent',
  'mirrors',
]);

/**
 * The targeted http route to insert before `base`.
 *
 * @internal
 */
export function buildTargetRoute(
  base: JsonRecord,
  name: string,
  match: JsonRecord[],
  to: DestinationRef,
): JsonRecord {
  const route: JsonRecord = {
    name,
    match,
    route: [{ destination: toIstioDestination(to) }],
  };
  for (const [key, value] of Object.entries(base)) {
    if (!NOT_COPIED.has(key)) route[key] = value;
  }
  return route;
}
