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

// Small narrowing helpers. Objects reach this package as unknown JSON (from a
// watch cache, a file, a test), so every read goes through one of these
// instead of trusting a type assertion.

/**
 * A plain JSON object.
 *
 * @internal
 */
export type JsonRecord = Record<string, unknown>;

/** @internal */
export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value as an object, or an empty one. @internal */
export function asRecord(value: unknown): JsonRecord {
  return isRecord(value) ? value : {};
}

/** The value as a list, or an empty one. @internal */
export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A non-empty string, or undefined. @internal */
export function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * A finite number, or undefined. Numeric strings are accepted because YAML
 * authors quote numbers and some tools write them as strings.
 *
 * @internal
 */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    return value;
  }
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) {
    return Number(value);
  }
  return undefined;
}

/** The string entries of an object (labels, selectors); other values are dropped. @internal */
export function asStringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(asRecord(value))) {
    if (typeof item === 'string') {
      out[key] = item;
    } else if (typeof item === 'number' || typeof item === 'boolean') {
      // `version: 2` in YAML is a number, but the label is the string "2".
      out[key] = String(item);
    }
  }
  return out;
}

/** The strings of a list; other items are dropped. @internal */
export function asStringList(value: unknown): string[] {
  return asArray(value).filter(
    (item): item is string => typeof item === 'string' && item !== '',
  );
}

/** Reads a nested path without throwing on missing or wrong-typed levels. @internal */
export function dig(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isRecord(current)) {
      return undefined;
    }
    current = current[key];
  }
  return current;
}
