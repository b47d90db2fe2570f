package keeper

import (
	"context"
	"fmt"
	"sort"

	errorsmod "cosmossdk.io/errors"

	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/x/reputation/types"
)

// The communication wall. A synchronous multi-node step computes for Tcomp
// and then all-reduces S bytes over a ring of N nodes:
//
//	Tcomm = 2(N−1)·L + 2(N−1)/N · S·8 / B
//
// (Patarasuk & Yuan, "Bandwidth optimal all-reduce algorithms for clusters
// of workstations", 2009), with L the worst link latency of the ring and B
// the slowest node's bandwidth. Scaling efficiency E = Tcomp / (Tcomp + Tcomm).
//
// Link latency: providers report one latency (measured when available,
// else declared) to the wider network. Between two nodes in different
// regions (or of unknown region) a link costs the sum of the two; inside
// one region a quarter of it — a stated assumption of the model, which is
// what makes same-region placements score higher. Nodes are placed on the
// ring grouped by region, so a placement has as few cross-region links as
// it has regions.

// MaxNodes bounds a placement.
const MaxNodes = 256

// NodeProfile is what the model needs of a provider.
type NodeProfile struct {
	Operator      string
	Region        string
	LatencyMs     uint64
	BandwidthMbps uint64
}

// Efficiency is the model's answer, in integers.
type Efficiency struct {
	EfficiencyPPM           uint32
	TcompUs, TcommUs        uint64
	LinkLatencyUs           uint64
	BottleneckBandwidthMbps uint64
}

// EstimateEfficiency applies the model to a placement.
func EstimateEfficiency(nodes []NodeProfile, syncBytesPerStep, computeMsPerStep uint64) (Efficiency, error) {
	n := uint64(len(nodes))
	if n < 2 || n > MaxNodes {
		return Efficiency{}, errorsmod.Wrapf(types.ErrInvalidPlacement, "a multi-node placement needs 2..%d nodes, got %d", MaxNodes, n)
	}
	if computeMsPerStep == 0 || computeMsPerStep > 1<<32 || syncBytesPerStep > 1<<50 {
		return Efficiency{}, errorsmod.Wrap(types.ErrInvalidPlacement, "compute_ms_per_step must be 1..2^32 and sync_bytes_per_step at most 2^50")
	}
	ring := append([]NodeProfile{}, nodes...)
	sort.SliceStable(ring, func(a, b int) bool { return ring[a].Region < ring[b].Region })
	var worstUs uint64
	bw := ^uint64(0)
	for i, a := range ring {
		if a.BandwidthMbps == 0 {
			return Efficiency{}, errorsmod.Wrapf(types.ErrInvalidPlacement, "provider %s reports no bandwidth", a.Operator)
		}
		bw = min(bw, a.BandwidthMbps, 1<<40) // 1 Eb/s: a cap that keeps the arithmetic in range
		b := ring[(i+1)%len(ring)]
		link := (a.LatencyMs + b.LatencyMs) * 1000
		if a.Region != "" && a.Region == b.Region {
			link /= 4
		}
		worstUs = max(worstUs, link)
	}
	// bytes·8 / Mbps = µs
	transferUs := 2 * (n - 1) * syncBytesPerStep * 8 / (n * bw)
	tcomm := 2*(n-1)*worstUs + transferUs
	tcomp := computeMsPerStep * 1000
	return Efficiency{
		EfficiencyPPM:           uint32(tcomp * types.PPM / (tcomp + tcomm)),
		TcompUs:                 tcomp,
		TcommUs:                 tcomm,
		LinkLatencyUs:           worstUs,
		BottleneckBandwidthMbps: bw,
	}, nil
}

// Explain states the figure the way an error or a query shows it.
func (e Efficiency) Explain() string {
	return fmt.Sprintf("E = Tcomp / (Tcomp + Tcomm) = %d µs / (%d µs + %d µs) = %d.%04d (worst link latency %d µs, bottleneck %d Mbps)",
		e.TcompUs, e.TcompUs, e.TcommUs, e.EfficiencyPPM/types.PPM, (e.EfficiencyPPM%types.PPM)/100, e.LinkLatencyUs, e.BottleneckBandwidthMbps)
}

// CheckEfficiency refuses a placement below minPPM, stating the figure.
func CheckEfficiency(e Efficiency, minPPM uint32) error {
	if e.EfficiencyPPM < minPPM {
		return errorsmod.Wrapf(types.ErrEfficiencyTooLow, "%s; the job requires at least %d ppm", e.Explain(), minPPM)
	}
	return nil
}

// profiles loads the providers of a placement.
func (k *Keeper) profiles(ctx context.Context, operators []string) ([]NodeProfile, error) {
	out := make([]NodeProfile, 0, len(operators))
	seen := map[string]bool{}
	for _, s := range operators {
		if seen[s] {
			return nil, errorsmod.Wrapf(types.ErrInvalidPlacement, "provider %s listed twice", s)
		}
		seen[s] = true
		op, err := k.addressCodec.StringToBytes(s)
		if err != nil {
			return nil, errorsmod.Wrapf(types.ErrInvalidAddress, "%q: %v", s, err)
		}
		p, err := k.jobs.GetProvider(ctx, op)
		if err != nil {
			return nil, err
		}
		out = append(out, profileOf(p))
	}
	return out, nil
}

// profileOf reads a provider's network profile: measured figures when there
// are any, else declared ones.
func profileOf(p jobstypes.Provider) NodeProfile {
	lat, bw := uint64(p.Network.MeasuredLatencyMs), p.Network.MeasuredBandwidthMbps
	if lat == 0 {
		lat = uint64(p.Network.DeclaredLatencyMs)
	}
	if bw == 0 {
		bw = p.Network.DeclaredBandwidthMbps
	}
	return NodeProfile{Operator: p.Operator, Region: p.Region, LatencyMs: lat, BandwidthMbps: bw}
}
