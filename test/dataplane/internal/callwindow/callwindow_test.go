// Copyright 2026 The Istio Rollouts for Backstage Authors
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

package callwindow

import (
	"maps"
	"testing"
)

func ok(version string, latency float64) Result { return Result{Version: version, LatencyMs: latency} }

func TestWindowBoundsAndCounts(t *testing.T) {
	s := NewStore(100)
	finish := func(start int64, user string, r Result) { s.Finish(s.Begin(start, user), r) }
	finish(999, "anonymous", ok("v1", 1))  // before the window
	finish(1000, "anonymous", ok("v1", 2)) // first ms of the window: counted
	finish(1001, "jason", ok("v2", 3))
	finish(1500, "cookie", ok("v2", 4))
	finish(1600, "anonymous", Result{Err: "Unavailable", Retries: 2, RetryCauses: []string{"injected fault", "injected fault"}, LatencyMs: 50})
	finish(1700, "anonymous", Result{Version: "v1", LatencyMs: 5, Retries: 1, RetryCauses: []string{"unknown cluster"}})
	s.Begin(1800, "jason")                   // still running
	finish(2000, "anonymous", ok("v1", 100)) // == to: excluded

	sum, truncated := s.Window(1000, 2000)
	if truncated {
		t.Error("nothing was evicted, yet truncated")
	}
	if sum.Total != 5 || sum.OK != 4 || sum.Pending != 1 {
		t.Errorf("total %d ok %d pending %d, want 5 4 1", sum.Total, sum.OK, sum.Pending)
	}
	if want := map[string]int{"v1": 2, "v2": 2}; !maps.Equal(sum.ByVersion, want) {
		t.Errorf("byVersion %v, want %v", sum.ByVersion, want)
	}
	if want := map[string]int{"Unavailable": 1}; !maps.Equal(sum.Errors, want) {
		t.Errorf("errors %v, want %v", sum.Errors, want)
	}
	if sum.Retries != 3 || sum.RetryCauses["injected fault"] != 2 || sum.RetryCauses["unknown cluster"] != 1 {
		t.Errorf("retries %d causes %v", sum.Retries, sum.RetryCauses)
	}
	if !maps.Equal(sum.ByUser["jason"], map[string]int{"v2": 1}) || !maps.Equal(sum.ByUser["cookie"], map[string]int{"v2": 1}) ||
		!maps.Equal(sum.ByUser["anonymous"], map[string]int{"v1": 2}) {
		t.Errorf("byUser %v", sum.ByUser)
	}
	// Successful latencies 2,3,4,5: nearest rank p50 = 3, p99 = max = 5; the
	// failed call's 50 ms does not count.
	if sum.LatencyMs != (Latency{P50: 3, P90: 5, P99: 5, Max: 5}) {
		t.Errorf("latency %+v", sum.LatencyMs)
	}
}

func TestRingEvictsOldestAndReportsTruncation(t *testing.T) {
	s := NewStore(3)
	for i := range int64(5) { // starts 0,10,20,30,40; 0 and 10 are overwritten
		s.Finish(s.Begin(i*10, "anonymous"), ok("v1", 1))
	}
	if sum, truncated := s.Window(20, 50); sum.Total != 3 || truncated {
		t.Errorf("window after the evictions: total %d truncated %v, want 3 false", sum.Total, truncated)
	}
	if sum, truncated := s.Window(0, 50); sum.Total != 3 || !truncated {
		t.Errorf("window over evicted calls: total %d truncated %v, want 3 true", sum.Total, truncated)
	}
	if _, truncated := s.Window(10, 15); !truncated {
		t.Error("window holding only the newest evicted call not marked truncated")
	}
}

func TestFinishAfterOverwriteIsDropped(t *testing.T) {
	s := NewStore(2)
	slow := s.Begin(0, "anonymous")
	s.Finish(s.Begin(1, "anonymous"), ok("v1", 1))
	s.Finish(s.Begin(2, "anonymous"), ok("v1", 1)) // overwrites the slow call's slot
	s.Finish(slow, ok("v2", 1))
	sum, _ := s.Window(0, 10)
	if sum.ByVersion["v2"] != 0 || sum.ByVersion["v1"] != 2 {
		t.Errorf("byVersion %v: a late Finish wrote into a reused slot", sum.ByVersion)
	}
}

func TestPercentile(t *testing.T) {
	v := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for p, want := range map[float64]float64{50: 5, 90: 9, 99: 10, 100: 10, 0: 1, 10: 1, 11: 2} {
		if got := Percentile(v, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if Percentile(nil, 50) != 0 {
		t.Error("empty")
	}
}

func TestTimeline(t *testing.T) {
	recs := []Record{
		{StartMs: 1000, Done: true, Result: ok("v1", 1)},
		{StartMs: 1099, Done: true, Result: ok("v1", 1)},
		{StartMs: 1100, Done: true, Result: ok("v2", 1)},
		{StartMs: 1150, Done: true, Result: Result{Err: "Unavailable"}},
		{StartMs: 1240, User: "jason"},
		{StartMs: 1250, Done: true, Result: ok("v2", 1)}, // == to: outside
	}
	b, err := Timeline(recs, 1000, 1250, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 3 {
		t.Fatalf("%d buckets, want 3", len(b))
	}
	if b[0].From != 1000 || b[0].To != 1100 || b[0].OK != 2 || b[0].ByVersion["v1"] != 2 {
		t.Errorf("bucket 0: %+v", b[0])
	}
	if b[1].Total != 2 || b[1].OK != 1 || b[1].ByVersion["v2"] != 1 || b[1].Errors["Unavailable"] != 1 {
		t.Errorf("bucket 1: %+v", b[1])
	}
	if b[2].From != 1200 || b[2].To != 1250 || b[2].Total != 0 || b[2].Pending != 1 {
		t.Errorf("bucket 2 (short, one pending call): %+v", b[2])
	}
	for _, bad := range [][3]int64{{0, 10, 0}, {10, 10, 1}, {0, MaxBuckets + 1, 1}} {
		if _, err := Timeline(nil, bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("Timeline(%v) accepted", bad)
		}
	}
}
