package keeper

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"math/big"
	"sort"

	sdk "github.com/cosmos/cosmos-sdk/types"

	jobskeeper "github.com/verdict-chain/verdict/x/jobs/keeper"
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

// Rank is the scheduler's ranking for job j: the eligible providers among
// the first max_candidates offers of the job's class (cheapest first, from
// x/jobs' offer index, so the work is bounded whatever the number of
// providers), ordered by effective price, then price, then operator.
func (k *Keeper) Rank(ctx context.Context, j jobstypes.Job) ([]types.RankedProvider, error) {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	now := sdk.UnwrapSDKContext(ctx).BlockTime()
	var out []types.RankedProvider
	var ops [][]byte // operator bytes, for the tie-break without re-decoding
	err = k.jobs.WalkCandidates(ctx, j, p.MaxCandidates, func(c jobskeeper.Candidate) (bool, error) {
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
		return nil, err
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
	for i, j := range idx {
		ranked[i] = out[j]
	}
	return ranked, nil
}

// ExploreDraw is the exploration lottery for a job: the first 8 bytes of
// sha256("verdict/explore/v1" | block hash | height | job id), mod 1e6.
// The same proposer-grinding bound as x/dispute's audit draw applies.
func ExploreDraw(blockHash []byte, height int64, jobID uint64) uint32 {
	h := sha256.New()
	h.Write([]byte("verdict/explore/v1"))
	h.Write(blockHash)
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(height))
	binary.BigEndian.PutUint64(b[8:], jobID)
	h.Write(b[:])
	return uint32(binary.BigEndian.Uint64(h.Sum(nil)[:8]) % types.PPM)
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
