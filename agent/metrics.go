package agent

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are what an agent exports at /metrics (Prometheus text format),
// with the Go runtime and process collectors (process_cpu_seconds_total is
// what `make bench` reads for the verification tax).
type Metrics struct {
	Registry      *prometheus.Registry
	Height        prometheus.Gauge
	JobsSeen      prometheus.Counter
	ResultsPosted prometheus.Counter
	Proofs        *prometheus.CounterVec // outcome: accepted, refused, skipped
	ProofSeconds  prometheus.Histogram   // time to generate one proof
	InferSeconds  prometheus.Histogram   // time to run one job natively
	Checked       *prometheus.CounterVec // watcher: result reproduced, mismatch
	Challenges    *prometheus.CounterVec // watcher: opened, skipped_budget
	Reports       prometheus.Counter     // monitor
	Probes        *prometheus.CounterVec // monitor: ok, failed; provider: answered, refused
	Refused       *prometheus.CounterVec // jobs refused: reason
	RetainedBytes prometheus.Gauge       // provider: job files kept for disputes
	Txs           *prometheus.CounterVec // what, result
	Errors        *prometheus.CounterVec // where
	BondInUse     prometheus.Gauge       // watcher: challenge bonds open
	Served        *prometheus.CounterVec // provider: session requests, by outcome
	Checkpoints   *prometheus.CounterVec // provider: session checkpoints, by outcome
}

// NewMetrics registers an agent's metrics under verdict_agent_*.
func NewMetrics(role string) *Metrics {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	labels := prometheus.Labels{"role": role}
	opts := func(name, help string) prometheus.Opts {
		return prometheus.Opts{Namespace: "verdict_agent", Name: name, Help: help, ConstLabels: labels}
	}
	counter := func(name, help string) prometheus.Counter {
		c := prometheus.NewCounter(prometheus.CounterOpts(opts(name, help)))
		r.MustRegister(c)
		return c
	}
	vec := func(name, help string, l ...string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts(opts(name, help)), l)
		r.MustRegister(c)
		return c
	}
	gauge := func(name, help string) prometheus.Gauge {
		g := prometheus.NewGauge(prometheus.GaugeOpts(opts(name, help)))
		r.MustRegister(g)
		return g
	}
	hist := func(name, help string) prometheus.Histogram {
		h := prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "verdict_agent", Name: name, Help: help, ConstLabels: labels,
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 18),
		})
		r.MustRegister(h)
		return h
	}
	return &Metrics{
		Registry:      r,
		Height:        gauge("height", "latest block height seen"),
		JobsSeen:      counter("jobs_seen_total", "jobs the agent looked at"),
		ResultsPosted: counter("results_posted_total", "results posted"),
		Proofs:        vec("proofs_total", "proofs by outcome", "outcome"),
		ProofSeconds:  hist("proof_seconds", "time to generate one Groth16 proof"),
		InferSeconds:  hist("inference_seconds", "time to run one job natively"),
		Checked:       vec("results_checked_total", "results re-executed, by outcome", "outcome"),
		Challenges:    vec("challenges_total", "challenges, by outcome", "outcome"),
		Reports:       counter("sla_reports_total", "SLA reports submitted"),
		Probes:        vec("probes_total", "endpoint probes, by outcome", "outcome"),
		Refused:       vec("files_refused_total", "jobs whose files were refused, by reason (fetch, uri, commitment, unprovable, retention_full)", "reason"),
		Txs:           vec("txs_total", "transactions, by message and result", "what", "result"),
		Errors:        vec("errors_total", "errors, by where they happened", "where"),
		RetainedBytes: gauge("retained_bytes", "job files kept on disk for disputes"),
		BondInUse:     gauge("challenge_bond_in_use", "challenge bonds open, in the bond denom's base unit"),
		Served:        vec("session_requests_total", "serving session requests, by outcome (answered, or why refused)", "outcome"),
		Checkpoints:   vec("session_checkpoints_total", "serving session checkpoints, by outcome", "outcome"),
	}
}
