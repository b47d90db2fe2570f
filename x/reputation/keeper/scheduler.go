package keeper

import (
	"bytes"
	"context"
	"math/big"
	"sort"

	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/internal/blockrand"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/x/reputation/types"
)

// Scheduler is the reputation-weighted scheduler x/jobs calls for a job
// without a provider.
type Scheduler struct{ k *Keeper }

// Scheduler returns the scheduler to install with jobs.SetScheduler.
func (k *Keeper) Scheduler() jobstypes.Scheduler { return Scheduler{k} }

var maxUint64 = new(big.Int).SetUint64(^uint64(0))

// effectivePriceMilli is price × 1e6 / max(score, floor), in thousandths:
// a provider at half the floor-clamped score pays for it with a doubled
// effective price.
func effectivePriceMilli(price uint64, score, floor uint32) uint64 {
	s := max(score, floor)
	v := new(big.Int).SetUint64(price)
	v.Mul(v, big.NewInt(types.PPM*1000))
	v.Quo(v, big.NewInt(int64(s)))
	if v.Cmp(maxUint64) > 0 {
		return ^uint64(0)
	}
	return v.Uint64()
}

// Rank is the scheduler's ranking for job j (see rank).
func (k *Keeper) Rank(ctx context.Context, j jobstypes.Job) ([]types.RankedProvider, error) {
	ranked, _, err := k.rank(ctx, j)
	return ranked, err
}

// rank is the scheduler's ranking for job j: the eligible providers among
// the first max_candidates offers of the job's class (cheapest first, from
// x/jobs' offer index, so the work is bounded whatever the number of
// providers), ordered by effective price, then price, then operator.
// It also returns the providers' network profiles, in ranking order.
func (k *Keeper) rank(ctx context.Context, j jobstypes.Job) ([]types.RankedProvider, []NodeProfile, error) {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return nil, nil, err
	}
	now := sdk.UnwrapSDKContext(ctx).BlockTime()
	var out []types.RankedProvider
	var ops [][]byte // operator bytes, for the tie-break without re-decoding
	var profiles []NodeProfile
	err = k.jobs.WalkCandidates(ctx, j, p.MaxCandidates, func(c jobstypes.Candidate) (bool, error) {
		op, err := k.addressCodec.StringToBytes(c.Provider.Operator)
		if err != nil {
			return true, err
		}
		r, err := k.record(ctx, op, j.Class)
		if err != nil {
			return true, err
		}
		v := view(r, p, now)
		ops = append(ops, op)
		profiles = append(profiles, profileOf(c.Provider))
		out = append(out, types.RankedProvider{
			Operator:            c.Provider.Operator,
			PricePerUnit:        c.Price,
			ScorePpm:            v.ScorePpm,
			EffectivePriceMilli: effectivePriceMilli(c.Price.Amount.Uint64(), v.ScorePpm, p.ScoreFloorPpm),
			Observations:        v.Observations,
			New:                 v.Observations < p.NewProviderObservations,
			Region:              c.Provider.Region,
		})
		return false, nil
	})
	if err != nil {
		return nil, nil, err
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		x, y := out[idx[a]], out[idx[b]]
		if x.EffectivePriceMilli != y.EffectivePriceMilli {
			return x.EffectivePriceMilli < y.EffectivePriceMilli
		}
		if !x.PricePerUnit.Amount.Equal(y.PricePerUnit.Amount) {
			return x.PricePerUnit.Amount.LT(y.PricePerUnit.Amount)
		}
		return bytes.Compare(ops[idx[a]], ops[idx[b]]) < 0
	})
	ranked := make([]types.RankedProvider, len(out))
	profs := make([]NodeProfile, len(out))
	for i, j := range idx {
		ranked[i], profs[i] = out[j], profiles[j]
	}
	return ranked, profs, nil
}

// ExploreDraw is the exploration lottery for a job: the first 8 bytes of
// sha256("verdict/explore/v1" | block hash | height | job id), mod 1e6.
// The same proposer-grinding bound as x/dispute's audit draw applies.
func ExploreDraw(blockHash []byte, height int64, jobID uint64) uint32 {
	return blockrand.PPM("verdict/explore/v1", blockHash, height, jobID)
}

// explorePick is the best-ranked new provider, if any.
func explorePick(ranked []types.RankedProvider) string {
	for _, r := range ranked {
		if r.New {
			return r.Operator
		}
	}
	return ""
}

// SelectProvider assigns the best-ranked provider; with probability
// exploration_ppm (deterministic draw) it gives the job to the best-ranked
// new provider instead, so newcomers can earn a record.
func (s Scheduler) SelectProvider(ctx context.Context, j jobstypes.Job) (sdk.AccAddress, error) {
	ranked, err := s.k.Rank(ctx, j)
	if err != nil || len(ranked) == 0 {
		return nil, err
	}
	p, err := s.k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	chosen := ranked[0].Operator
	hi := sdk.UnwrapSDKContext(ctx).HeaderInfo()
	if pick := explorePick(ranked); pick != "" && ExploreDraw(hi.Hash, hi.Height, j.Id) < p.ExplorationPpm {
		chosen = pick
	}
	return s.k.addressCodec.StringToBytes(chosen)
}

var _ jobstypes.PlacementScheduler = Scheduler{}

// SelectPlacement places a multi-node job. From the ranked candidates it
// builds one placement per region that has enough of them (its best-ranked
// nodes) and one from the overall best-ranked nodes, estimates each one's
// scaling efficiency E, and keeps the highest E that meets the job's
// min_efficiency_ppm (ties: the lower total effective price). The best
// node of the placement coordinates. When none qualifies, the error states
// the best figure found.
func (s Scheduler) SelectPlacement(ctx context.Context, j jobstypes.Job) ([]sdk.AccAddress, uint32, error) {
	if j.Parallel == nil {
		return nil, 0, errorsmod.Wrap(types.ErrInvalidPlacement, "not a multi-node job")
	}
	n := int(j.Parallel.Nodes)
	ranked, profs, err := s.k.rank(ctx, j)
	if err != nil {
		return nil, 0, err
	}
	if len(ranked) < n {
		return nil, 0, errorsmod.Wrapf(types.ErrInvalidPlacement, "%d eligible providers among the first candidates, the job needs %d nodes", len(ranked), n)
	}
	// candidate placements: indexes into ranked
	var options [][]int
	byRegion := map[string][]int{}
	var regions []string
	for i, pr := range profs {
		if _, ok := byRegion[pr.Region]; !ok {
			regions = append(regions, pr.Region) // first-seen order: deterministic
		}
		byRegion[pr.Region] = append(byRegion[pr.Region], i)
	}
	for _, r := range regions {
		if idx := byRegion[r]; r != "" && len(idx) >= n {
			options = append(options, idx[:n])
		}
	}
	top := make([]int, n)
	for i := range top {
		top[i] = i
	}
	options = append(options, top)

	var best []int
	var bestEff Efficiency
	var bestCost uint64
	for _, opt := range options {
		nodes := make([]NodeProfile, n)
		var cost uint64
		for i, ix := range opt {
			nodes[i] = profs[ix]
			cost += ranked[ix].EffectivePriceMilli / uint64(n) // no overflow: each term <= max/n
		}
		e, err := EstimateEfficiency(nodes, j.Parallel.SyncBytesPerStep, j.Parallel.ComputeMsPerStep)
		if err != nil {
			continue // e.g. a node reports no bandwidth
		}
		if best == nil || e.EfficiencyPPM > bestEff.EfficiencyPPM || (e.EfficiencyPPM == bestEff.EfficiencyPPM && cost < bestCost) {
			best, bestEff, bestCost = opt, e, cost
		}
	}
	if best == nil {
		return nil, 0, errorsmod.Wrap(types.ErrInvalidPlacement, "no candidate placement has usable network profiles")
	}
	if err := CheckEfficiency(bestEff, j.Parallel.MinEfficiencyPpm); err != nil {
		return nil, 0, err
	}
	out := make([]sdk.AccAddress, n)
	for i, ix := range best {
		op, err := s.k.addressCodec.StringToBytes(ranked[ix].Operator)
		if err != nil {
			return nil, 0, err
		}
		out[i] = op
	}
	return out, bestEff.EfficiencyPPM, nil
}
