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

// Package callwindow keeps the recent calls of a load generator and counts
// them over time windows, so a test can ask "which versions answered the
// calls started between t1 and t2" after the fact.
package callwindow

import (
	"fmt"
	"math"
	"sort"
	"sync"
)

// Result is how one logical call (including its retries) ended.
type Result struct {
	Version     string   // the answering version; "" when the call failed
	Err         string   // gRPC code name of the final failure; "" on success
	LatencyMs   float64  // from the first attempt's start to the final answer
	Retries     int      // attempts after the first
	RetryCauses []string // why each retry was made
}

// Record is one call: when it started, who it impersonated, and, once Done,
// its Result.
type Record struct {
	StartMs int64
	User    string
	Done    bool
	Result
}

// Latency holds nearest-rank percentiles of the successful calls.
type Latency struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Summary counts finished calls. Total = OK + the sum of Errors; calls still
// running are only counted in Pending.
type Summary struct {
	Total       int                       `json:"total"`
	OK          int                       `json:"ok"`
	ByVersion   map[string]int            `json:"byVersion"`
	Errors      map[string]int            `json:"errors"`
	ByUser      map[string]map[string]int `json:"byUser"` // user class → version → successful calls
	Retries     int                       `json:"retries"`
	RetryCauses map[string]int            `json:"retryCauses"`
	Pending     int                       `json:"pending"`
	LatencyMs   Latency                   `json:"latencyMs"`
}

// Summarize counts records.
func Summarize(recs []Record) Summary {
	s := Summary{ByVersion: map[string]int{}, Errors: map[string]int{}, ByUser: map[string]map[string]int{}, RetryCauses: map[string]int{}}
	var lat []float64
	for i := range recs {
		r := &recs[i]
		if !r.Done {
			s.Pending++
			continue
		}
		s.Total++
		s.Retries += r.Retries
		for _, c := range r.RetryCauses {
			s.RetryCauses[c]++
		}
		if r.Err != "" {
			s.Errors[r.Err]++
			continue
		}
		s.OK++
		s.ByVersion[r.Version]++
		u := s.ByUser[r.User]
		if u == nil {
			u = map[string]int{}
			s.ByUser[r.User] = u
		}
		u[r.Version]++
		lat = append(lat, r.LatencyMs)
	}
	sort.Float64s(lat)
	s.LatencyMs = Latency{P50: Percentile(lat, 50), P90: Percentile(lat, 90), P99: Percentile(lat, 99)}
	if len(lat) > 0 {
		s.LatencyMs.Max = lat[len(lat)-1]
	}
	return s
}

// Percentile is the nearest-rank p-th percentile of sorted values (0 when
// there are none).
func Percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// Handle names a begun call in a Store.
type Handle uint64

type slot struct {
	seq uint64 // Handle+1 of the record held; 0 = empty
	rec Record
}

// Store is a fixed-size ring of the most recent calls. Calls must be begun
// in start-time order (one pacer per store); they may finish in any order.
type Store struct {
	mu           sync.Mutex
	slots        []slot
	next         uint64
	evicted      bool
	evictedStart int64 // start of the newest record overwritten
}

// NewStore keeps the last capacity calls.
func NewStore(capacity int) *Store {
	if capacity < 1 {
		capacity = 1
	}
	return &Store{slots: make([]slot, capacity)}
}

// Begin records the start of a call.
func (s *Store) Begin(startMs int64, user string) Handle {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := Handle(s.next)
	s.next++
	sl := &s.slots[uint64(h)%uint64(len(s.slots))]
	if sl.seq != 0 {
		s.evicted = true
		s.evictedStart = max(s.evictedStart, sl.rec.StartMs)
	}
	*sl = slot{seq: uint64(h) + 1, rec: Record{StartMs: startMs, User: user}}
	return h
}

// Finish stores the result of a begun call. A call that was overwritten
// meanwhile (the ring wrapped while it ran) is dropped.
func (s *Store) Finish(h Handle, r Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sl := &s.slots[uint64(h)%uint64(len(s.slots))]
	if sl.seq != uint64(h)+1 {
		return
	}
	sl.rec.Done = true
	sl.rec.Result = r
}

// Records copies the calls started in [from, to). Truncated says the ring
// has already dropped calls that may have started in that window.
func (s *Store) Records(from, to int64) (recs []Record, truncated bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.slots {
		sl := &s.slots[i]
		if sl.seq != 0 && sl.rec.StartMs >= from && sl.rec.StartMs < to {
			recs = append(recs, sl.rec)
		}
	}
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].StartMs < recs[j].StartMs })
	return recs, s.evicted && s.evictedStart >= from
}

// Window summarises the calls started in [from, to).
func (s *Store) Window(from, to int64) (Summary, bool) {
	recs, truncated := s.Records(from, to)
	return Summarize(recs), truncated
}

// Bucket is one slice of a timeline.
type Bucket struct {
	From      int64          `json:"from"`
	To        int64          `json:"to"`
	Total     int            `json:"total"`
	OK        int            `json:"ok"`
	ByVersion map[string]int `json:"byVersion"`
	Errors    map[string]int `json:"errors"`
	Pending   int            `json:"pending"`
}

// MaxBuckets bounds a timeline so that a mistyped bucket size cannot make
// the server build millions of entries.
const MaxBuckets = 100000

// Timeline splits [from, to) into buckets of bucketMs starting at from (the
// last one may be shorter) and counts the calls started in each.
func Timeline(recs []Record, from, to, bucketMs int64) ([]Bucket, error) {
	if bucketMs <= 0 {
		return nil, fmt.Errorf("bucket must be > 0 ms")
	}
	if to <= from {
		return nil, fmt.Errorf("to must be after from")
	}
	n := (to - from + bucketMs - 1) / bucketMs
	if n > MaxBuckets {
		return nil, fmt.Errorf("%d buckets; at most %d", n, MaxBuckets)
	}
	out := make([]Bucket, n)
	for i := range out {
		out[i] = Bucket{From: from + int64(i)*bucketMs, ByVersion: map[string]int{}, Errors: map[string]int{}}
		out[i].To = min(out[i].From+bucketMs, to)
	}
	for _, r := range recs {
		if r.StartMs < from || r.StartMs >= to {
			continue
		}
		b := &out[(r.StartMs-from)/bucketMs]
		switch {
		case !r.Done:
			b.Pending++
		case r.Err != "":
			b.Total++
			b.Errors[r.Err]++
		default:
			b.Total++
			b.OK++
			b.ByVersion[r.Version]++
		}
	}
	return out, nil
}
