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

import { MatchRuleView, RolloutWarning } from '../types';
import { asArray, asString, dig, isRecord } from '../kube/guards';
import { flattenMatch } from '../domain/matchRules';

// HTTPRoute matches in the shape Istio's HTTPMatchRequest has, so that the
// VirtualService flattening, wording and cookie detection apply unchanged.

const STRING_MATCH: Record<string, string> = {
  Exact: 'exact',
  PathPrefix: 'prefix',
  RegularExpression: 'regex',
};

function namedMatches(
  raw: unknown,
  lowerCaseNames: boolean,
): Record<string, Record<string, string>> | undefined {
  const out: Record<string, Record<string, string>> = {};
  for (const item of asArray(raw)) {
    const written = asString(dig(item, 'name'));
    const value = asString(dig(item, 'value'));
    const operator = STRING_MATCH[asString(dig(item, 'type')) ?? 'Exact'];
    if (!written || value === undefined || !operator) continue;
    const name = lowerCaseNames ? written.toLowerCase() : written;
    // Gateway API: only the first entry of a repeated name counts.
    if (!(name in out)) out[name] = { [operator]: value };
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * One `HTTPRouteMatch` as an Istio `HTTPMatchRequest`. A `PathPrefix /`
 * path (Gateway API's default) is left out: it holds for every request.
 * Header names are lower-cased (they are case-insensitive); query
 * parameter names are not.
 *
 * @internal
 */
export function toIstioMatch(raw: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isRecord(raw)) return out;
  if (isRecord(raw.path)) {
    const type = asString(raw.path.type) ?? 'PathPrefix';
    const value = asString(raw.path.value) ?? '/';
    const operator = STRING_MATCH[type];
    if (operator && !(operator === 'prefix' && value === '/')) {
      out.uri = { [operator]: value };
    }
  }
  const method = asString(raw.method);
  if (method) out.method = { exact: method };
  const headers = namedMatches(raw.headers, true);
  if (headers) out.headers = headers;
  const queryParams = namedMatches(raw.queryParams, false);
  if (queryParams) out.queryParams = queryParams;
  return out;
}

/**
 * The matches of a rule flattened for display; `[]` when the rule has
 * none (every request), and an empty inner list for a match that holds
 * for every request.
 *
 * @internal
 */
export function flattenHttpRouteMatches(matches: unknown[]): MatchRuleView[][] {
  return flattenMatch(matches.map(toIstioMatch));
}

function stable(value: unknown): string {
  if (!isRecord(value)) return JSON.stringify(value);
  return `{${Object.keys(value)
    .sort()
    .map(k => `${JSON.stringify(k)}:${stable(value[k])}`)
    .join(',')}}`;
}

/**
 * Keys of a rule's matches; two equal keys select exactly the same
 * requests. A rule without matches has one: every request.
 *
 * @internal
 */
export function matchKeys(matches: unknown[]): string[] {
  const list = matches.length ? matches : [{}];
  return list.map(m => stable(toIstioMatch(m)));
}

/**
 * Rules that Gateway API's precedence never lets serve a request. Within
 * one HTTPRoute, precedence depends only on each match's own conditions
 * (exact path, longest prefix, method, number of headers, then of query
 * parameters), and a tie goes to the rule listed first. So a match equal
 * to one of an earlier rule never wins; a rule whose every match is such
 * is unreachable. Unlike Istio, an earlier catch-all does not hide a later,
 * more specific rule. Returns, per rule index, the earlier rules that take
 * its matches, and whether that is all of them.
 *
 * @internal
 */
export function shadowedRules(
  rules: Array<{ index: number; matches: unknown[] }>,
): Map<number, { by: number[]; all: boolean }> {
  const firstOwner = new Map<string, number>();
  const out = new Map<number, { by: number[]; all: boolean }>();
  for (const rule of rules) {
    const keys = matchKeys(rule.matches);
    const by = new Set<number>();
    let shadowed = 0;
    for (const key of new Set(keys)) {
      const owner = firstOwner.get(key);
      if (owner !== undefined && owner !== rule.index) {
        by.add(owner);
        shadowed++;
      }
    }
    if (by.size) {
      out.set(rule.index, {
        by: [...by].sort((a, b) => a - b),
        all: shadowed === new Set(keys).size,
      });
    }
    for (const key of keys) {
      if (!firstOwner.has(key)) firstOwner.set(key, rule.index);
    }
  }
  return out;
}

/**
 * The warning for a rule that earlier rules shadow, wholly or in part.
 *
 * @internal
 */
export function shadowWarning(
  shadow: { by: number[]; all: boolean },
  where: string,
): RolloutWarning {
  const rules = shadow.by.map(String).join(', ');
  const plural = shadow.by.length > 1 ? 's' : '';
  return shadow.all
    ? {
        code: 'route-unreachable',
        severity: 'warning',
        message: `${where} is never used: rule${plural} ${rules} before it ${
          plural ? 'have' : 'has'
        } the same matches, and Gateway API gives a tie to the rule listed first.`,
      }
    : {
        code: 'match-unreachable',
        severity: 'info',
        message: `${where}: some of its matches are never used, because rule${plural} ${rules} before it ${
          plural ? 'have' : 'has'
        } the same ones.`,
      };
}
