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

import { TestDatabaseId } from '@backstage/backend-test-utils';

/**
 * The databases store tests run on: SQLite, and the real PostgreSQL that the
 * Jest set-up (test/postgres) started. Under CI a missing PostgreSQL is an
 * error, never a silent skip.
 */
export function testDatabaseIds(): TestDatabaseId[] {
  const postgres = process.env.ISTIO_ROLLOUTS_TEST_POSTGRES_ID as
    | TestDatabaseId
    | undefined;
  if (!postgres && process.env.CI) {
    throw new Error(
      'No test PostgreSQL: run through ./scripts/test, whose Jest set-up starts one',
    );
  }
  return [...(postgres ? [postgres] : []), 'SQLITE_3'];
}
