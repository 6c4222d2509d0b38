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

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"

	"istio-rollouts/test/dataplane/internal/callwindow"
	"istio-rollouts/test/dataplane/internal/usermix"
)

// targetLoad calls one target at a steady rate and keeps its recent calls.
type targetLoad struct {
	target   string
	conn     *grpc.ClientConn
	caller   *caller
	mix      *usermix.Mix
	store    *callwindow.Store
	interval time.Duration
	maxBusy  int64

	started  time.Time
	calls    atomic.Int64
	inFlight atomic.Int64
	skipped  atomic.Int64
	firstUs  atomic.Int64 // µs from start to the first successful call; 0 = none yet
	lastErr  atomic.Value // string
}

// pace starts one call every interval until ctx ends. Calls run in their own
// goroutines, so a slow answer does not delay the next call (open-loop
// load); calls beyond maxBusy in flight are skipped and counted, so a
// black-holed target cannot pile up goroutines without bound.
func (t *targetLoad) pace(ctx context.Context, offset time.Duration, calls *sync.WaitGroup) {
	select {
	case <-time.After(offset):
	case <-ctx.Done():
		return
	}
	tick := time.NewTicker(t.interval)
	defer tick.Stop()
	for {
		if t.inFlight.Load() >= t.maxBusy {
			t.skipped.Add(1)
		} else {
			cl := t.mix.Next()
			h := t.store.Begin(time.Now().UnixMilli(), cl.Name)
			t.calls.Add(1)
			t.inFlight.Add(1)
			calls.Go(func() {
				defer t.inFlight.Add(-1)
				res := t.caller.do(ctx, cl)
				if ctx.Err() != nil {
					return // shutting down: the call was cut, not answered
				}
				t.store.Finish(h, res)
				if res.Err == "" {
					t.firstUs.CompareAndSwap(0, max(1, time.Since(t.started).Microseconds()))
				} else {
					t.lastErr.Store(res.Err)
				}
			})
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}

type trafficServer struct {
	loads  map[string]*targetLoad
	order  []string
	calls  sync.WaitGroup
	cancel context.CancelFunc
}

func newTrafficServer(o options) (*trafficServer, error) {
	s := &trafficServer{loads: map[string]*targetLoad{}}
	interval := time.Duration(float64(time.Second) / o.rate)
	// The ring holds a little more than the retention at the configured rate.
	capacity := int(math.Ceil(o.rate*o.retention.Seconds()*1.1)) + 64
	maxBusy := max(64, int64(math.Ceil(o.rate*o.callTimeout.Seconds()*float64(o.retries+1)*2)))
	for _, target := range o.targets {
		if s.loads[target] != nil {
			s.close()
			return nil, fmt.Errorf("target %s given twice", target)
		}
		mix, err := usermix.Parse(o.mix)
		if err != nil {
			s.close()
			return nil, err
		}
		conn, c, err := dial(target, o)
		if err != nil {
			s.close()
			return nil, err
		}
		s.loads[target] = &targetLoad{target: target, conn: conn, caller: c, mix: mix,
			store: callwindow.NewStore(capacity), interval: interval, maxBusy: maxBusy}
		s.order = append(s.order, target)
	}
	return s, nil
}

func (s *trafficServer) start(ctx context.Context) {
	ctx, s.cancel = context.WithCancel(ctx)
	now := time.Now()
	for i, target := range s.order {
		t := s.loads[target]
		t.started = now
		// Spread the targets' ticks over one interval.
		offset := t.interval * time.Duration(i) / time.Duration(len(s.order))
		s.calls.Go(func() { t.pace(ctx, offset, &s.calls) })
	}
}

func (s *trafficServer) close() {
	if s.cancel != nil {
		s.cancel()
		s.calls.Wait()
	}
	for _, t := range s.loads {
		t.conn.Close()
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// lookup finds the ?target= load; with a single target it may be omitted.
func (s *trafficServer) lookup(q url.Values) (*targetLoad, error) {
	target := q.Get("target")
	if target == "" && len(s.order) == 1 {
		target = s.order[0]
	}
	if t := s.loads[target]; t != nil {
		return t, nil
	}
	return nil, fmt.Errorf("unknown target %q; known: %q", target, s.order)
}

// msParam reads a unix-millisecond parameter; def is used when it is absent
// (a negative def makes it required).
func msParam(q url.Values, name string, def int64) (int64, error) {
	s := q.Get(name)
	if s == "" {
		if def < 0 {
			return 0, fmt.Errorf("%s (unix ms) is required", name)
		}
		return def, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%s=%q: want unix milliseconds", name, s)
	}
	return v, nil
}

func (s *trafficServer) rangeParams(q url.Values) (t *targetLoad, from, to int64, err error) {
	if t, err = s.lookup(q); err != nil {
		return
	}
	if from, err = msParam(q, "from", -1); err != nil {
		return
	}
	if to, err = msParam(q, "to", time.Now().UnixMilli()); err != nil {
		return
	}
	if to <= from {
		err = fmt.Errorf("to (%d) must be after from (%d)", to, from)
	}
	return
}

type windowReport struct {
	Target    string `json:"target"`
	From      int64  `json:"from"`
	To        int64  `json:"to"`
	Truncated bool   `json:"truncated"` // calls of this window were already dropped from the ring
	callwindow.Summary
}

type targetHealth struct {
	Calls         int64    `json:"calls"`
	InFlight      int64    `json:"inFlight"`
	Skipped       int64    `json:"skipped"`
	FirstAnswerMs *float64 `json:"firstAnswerMs"` // null until a call succeeded
	LastError     string   `json:"lastError,omitempty"`
}

func (s *trafficServer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		out := map[string]targetHealth{}
		for _, name := range s.order {
			t := s.loads[name]
			h := targetHealth{Calls: t.calls.Load(), InFlight: t.inFlight.Load(), Skipped: t.skipped.Load()}
			if us := t.firstUs.Load(); us > 0 {
				ms := float64(us) / 1000
				h.FirstAnswerMs = &ms
			}
			h.LastError, _ = t.lastErr.Load().(string)
			out[name] = h
		}
		writeJSON(w, map[string]any{"status": "ok", "targets": out})
	})
	mux.HandleFunc("GET /window", func(w http.ResponseWriter, r *http.Request) {
		t, from, to, err := s.rangeParams(r.URL.Query())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		sum, truncated := t.store.Window(from, to)
		writeJSON(w, windowReport{Target: t.target, From: from, To: to, Truncated: truncated, Summary: sum})
	})
	mux.HandleFunc("GET /timeline", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		t, from, to, err := s.rangeParams(q)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		bucket, err := strconv.ParseInt(q.Get("bucket"), 10, 64)
		if err != nil {
			http.Error(w, fmt.Sprintf("bucket=%q: want milliseconds", q.Get("bucket")), http.StatusBadRequest)
			return
		}
		recs, _ := t.store.Records(from, to)
		buckets, err := callwindow.Timeline(recs, from, to, bucket)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		writeJSON(w, buckets)
	})
	mux.HandleFunc("GET /targets", func(w http.ResponseWriter, _ *http.Request) {
		names := append([]string{}, s.order...)
		sort.Strings(names)
		writeJSON(w, names)
	})
	return mux
}

// runServe calls the targets until ctx ends. The first line on out is
// "listening on ADDR", so a caller that passed port 0 learns the port.
func runServe(ctx context.Context, o options, out io.Writer) error {
	host, _, err := net.SplitHostPort(o.serve)
	if err != nil {
		return fmt.Errorf("-serve %q: %v", o.serve, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		return fmt.Errorf("-serve %q: name the IP to bind (127.0.0.1); wildcard addresses are not allowed", o.serve)
	}
	lis, err := net.Listen("tcp", o.serve)
	if err != nil {
		return err
	}
	s, err := newTrafficServer(o)
	if err != nil {
		lis.Close()
		return err
	}
	hsrv := &http.Server{Handler: s.handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hsrv.Serve(lis) }()
	fmt.Fprintf(out, "listening on %s\n", lis.Addr())
	log.Printf("calling %q at %g/s each", s.order, o.rate)
	s.start(ctx)

	select {
	case <-ctx.Done():
		err = nil
	case err = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = hsrv.Shutdown(sctx)
	s.close()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
