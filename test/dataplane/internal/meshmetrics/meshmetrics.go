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

// Package meshmetrics records the request metrics an Istio sidecar would
// report for an inbound call (reporter="destination"), under Istio's standard
// metric and label names, so that canary analysis written for a real mesh
// (Flagger's built-in checks, Argo Rollouts AnalysisTemplates) can query a
// data plane that has no Envoy.
package meshmetrics

import (
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"
)

// Metric names as Istio's telemetry exports them.
const (
	RequestsTotalName    = "istio_requests_total"
	RequestDurationName  = "istio_request_duration_milliseconds"
	unknown              = "unknown"
	defaultCluster       = "Kubernetes" // istiod's default CLUSTER_ID
	protocolGRPC         = "grpc"
	noResponseFlags      = "-"
	plaintextConnections = "none"
)

// DurationBucketsMs are Istio's default histogram buckets for
// istio_request_duration_milliseconds.
var DurationBucketsMs = []float64{
	0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
	30000, 60000, 300000, 600000, 1800000, 3600000,
}

// LabelNames is Istio's standard label set for request metrics, in the order
// the vectors are created with.
var LabelNames = []string{
	"reporter",
	"source_workload",
	"source_workload_namespace",
	"source_principal",
	"source_app",
	"source_version",
	"source_cluster",
	"source_canonical_service",
	"source_canonical_revision",
	"destination_workload",
	"destination_workload_namespace",
	"destination_principal",
	"destination_app",
	"destination_version",
	"destination_service",
	"destination_service_name",
	"destination_service_namespace",
	"destination_cluster",
	"destination_canonical_service",
	"destination_canonical_revision",
	"request_protocol",
	"response_code",
	"grpc_response_status",
	"response_flags",
	"connection_security_policy",
}

// Destination describes the workload that serves the calls; it is fixed for
// the life of a pod.
type Destination struct {
	Workload  string
	Namespace string
	App       string
	Version   string
}

// Call is what varies per request.
type Call struct {
	SourceWorkload  string // "" when the caller did not say
	SourceNamespace string
	Authority       string // the request's :authority, e.g. reviews.demo.svc.cluster.local:9080
	Code            codes.Code
}

// HTTPStatus is the HTTP status a proxy reports for a gRPC status: the usual
// gRPC-to-HTTP correspondence (the inverse of gRPC's HTTP-to-status table).
// Codes outside the known set count as a server error.
func HTTPStatus(c codes.Code) int {
	switch c {
	case codes.OK:
		return 200
	case codes.Canceled:
		return 499
	case codes.InvalidArgument, codes.FailedPrecondition, codes.OutOfRange:
		return 400
	case codes.Unauthenticated:
		return 401
	case codes.PermissionDenied:
		return 403
	case codes.NotFound:
		return 404
	case codes.AlreadyExists, codes.Aborted:
		return 409
	case codes.ResourceExhausted:
		return 429
	case codes.Unimplemented:
		return 501
	case codes.Unavailable:
		return 503
	case codes.DeadlineExceeded:
		return 504
	default: // Unknown, Internal, DataLoss and anything newer
		return 500
	}
}

// ServiceFromAuthority derives destination_service and its name and
// namespace from a request authority. A mesh hostname is
// <name>.<namespace>.svc.<domain>; anything that is not a DNS name (an IP
// literal, an empty authority) gives "unknown" name and namespace.
func ServiceFromAuthority(authority string) (service, name, namespace string) {
	host := strings.ToLower(strings.TrimSpace(authority))
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"), ".")
	if host == "" {
		return unknown, unknown, unknown
	}
	if net.ParseIP(host) != nil {
		return host, unknown, unknown
	}
	parts := strings.Split(host, ".")
	name, namespace = parts[0], unknown
	if len(parts) > 1 {
		namespace = parts[1]
	}
	return host, name, namespace
}

func orUnknown(s string) string {
	if s == "" {
		return unknown
	}
	return s
}

// Labels is the label set of one call as Istio's destination-side telemetry
// fills it. Values the destination cannot learn without peer metadata exchange
// (the caller's app/version labels, principals without mTLS) are "unknown",
// as in Istio when that exchange did not happen.
func (d Destination) Labels(c Call) prometheus.Labels {
	svc, svcName, svcNamespace := ServiceFromAuthority(c.Authority)
	srcCanonical, srcRevision, srcCluster := unknown, unknown, unknown
	if c.SourceWorkload != "" {
		// Istio's canonical service falls back to the workload name when the
		// workload has no app labels, and its revision to "latest".
		srcCanonical, srcRevision, srcCluster = c.SourceWorkload, "latest", defaultCluster
	}
	return prometheus.Labels{
		"reporter":                       "destination",
		"source_workload":                orUnknown(c.SourceWorkload),
		"source_workload_namespace":      orUnknown(c.SourceNamespace),
		"source_principal":               unknown,
		"source_app":                     unknown,
		"source_version":                 unknown,
		"source_cluster":                 srcCluster,
		"source_canonical_service":       srcCanonical,
		"source_canonical_revision":      srcRevision,
		"destination_workload":           orUnknown(d.Workload),
		"destination_workload_namespace": orUnknown(d.Namespace),
		"destination_principal":          unknown,
		"destination_app":                orUnknown(d.App),
		"destination_version":            orUnknown(d.Version),
		"destination_service":            svc,
		"destination_service_name":       svcName,
		"destination_service_namespace":  svcNamespace,
		"destination_cluster":            defaultCluster,
		"destination_canonical_service":  orUnknown(d.App),
		"destination_canonical_revision": orUnknown(d.Version),
		"request_protocol":               protocolGRPC,
		"response_code":                  strconv.Itoa(HTTPStatus(c.Code)),
		"grpc_response_status":           strconv.Itoa(int(c.Code)),
		"response_flags":                 noResponseFlags,
		"connection_security_policy":     plaintextConnections,
	}
}

// Recorder holds the two metric vectors of one pod.
type Recorder struct {
	dest     Destination
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewRecorder creates the vectors and registers them with reg.
func NewRecorder(reg prometheus.Registerer, dest Destination) (*Recorder, error) {
	r := &Recorder{
		dest: dest,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: RequestsTotalName,
			Help: "Requests received, as an Istio sidecar reports them (reporter=destination).",
		}, LabelNames),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    RequestDurationName,
			Help:    "Request duration in milliseconds, as an Istio sidecar reports it (reporter=destination).",
			Buckets: DurationBucketsMs,
		}, LabelNames),
	}
	if err := reg.Register(r.requests); err != nil {
		return nil, err
	}
	if err := reg.Register(r.duration); err != nil {
		return nil, err
	}
	return r, nil
}

// Observe counts one finished call that took d.
func (r *Recorder) Observe(c Call, d time.Duration) {
	l := r.dest.Labels(c)
	r.requests.With(l).Inc()
	r.duration.With(l).Observe(float64(d) / float64(time.Millisecond))
}
