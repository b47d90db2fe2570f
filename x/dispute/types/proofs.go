package types

import (
	"encoding/binary"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/dispute/zkverify"
	"github.com/verdict-chain/verdict/x/internal/bps"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// Pure functions the chain and off-chain tools (verdictd zk, the bench)
// share: how a verifying key is accepted and how a job's public inputs are
// built. Nothing here reads state.

// ParseVK validates verifying key bytes against a size limit and the
// chain's public input layout.
func ParseVK(vkBytes []byte, maxBytes uint32) (*zkverify.VerifyingKey, error) {
	vk, err := zkverify.ParseVerifyingKey(vkBytes, zkverify.Limits{
		MaxBytes: int(maxBytes),
		NbPublic: len(PublicInputNames),
	})
	if err != nil {
		return nil, errorsmod.Wrap(ErrInvalidVK, err.Error())
	}
	return vk, nil
}

// PublicInputs builds a job's public witness from chain state: model,
// input and output commitments, and the job id. The proof submitter never
// supplies public inputs.
func PublicInputs(j jobstypes.Job, output []byte) ([]fr.Element, error) {
	var id [32]byte
	binary.BigEndian.PutUint64(id[24:], j.Id)
	out := make([]fr.Element, 0, len(PublicInputNames))
	for _, b := range [][]byte{j.ModelCommitment, j.InputCommitment, output, id[:]} {
		e, err := zkverify.PublicInput(b)
		if err != nil {
			return nil, errorsmod.Wrapf(ErrInvalidCommitment, "job %d: %v", j.Id, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// ChallengeBondFor is the bond a challenge of job j costs under params p.
func ChallengeBondFor(p Params, j jobstypes.Job) sdk.Coin {
	return p.ChallengeBond(jobstypes.Payment(j))
}

// FraudSlash is what losing a dispute on job j costs a provider with this
// bond: fraud_slash_multiple × the job's agreed payment (price × units),
// at most fraud_slash_bps of the bond. Sized by the job, so one job costs
// no more than the provider consented to risk on it (its offer bounds the
// job's size and price); the audit rate's deterrence floor is sized from
// it, so a wrong result still loses in expectation.
func FraudSlash(p Params, bond math.Int, j jobstypes.Job) math.Int {
	capped := bps.Floor(bond, p.FraudSlashBps)
	agreed := j.PricePerUnit.Amount.Mul(math.NewIntFromUint64(j.Units))
	return math.MinInt(capped, agreed.MulRaw(int64(p.FraudSlashMultiple)))
}

// ProviderShare is what a provider proven right receives of the losing
// challenger's bond: reward_share_bps of it, rounded down (the rest goes to
// the community pool).
func ProviderShare(p Params, bond math.Int) math.Int {
	return bps.Floor(bond, p.RewardShareBps)
}

// ChallengerReward is what a winning challenger receives of a fraud slash,
// besides its bond back: challenger_reward_bps of it, rounded down.
func ChallengerReward(p Params, slash math.Int) math.Int {
	return bps.Floor(slash, p.ChallengerRewardBps)
}

// DeterrenceRatePPM is the audit probability (ppm) at which posting a wrong
// result loses in expectation: probability × fraud slash ≥
// audit_deterrence_bps × payment. A provider whose slash is small next to
// the job is audited more, up to always.
func DeterrenceRatePPM(p Params, payment, slash math.Int) uint32 {
	if p.AuditDeterrenceBps == 0 || !payment.IsPositive() {
		return 0
	}
	if !slash.IsPositive() {
		return MaxPpm
	}
	// ceil(deterrence/1e4 × payment / slash × 1e6)
	r := bps.CeilOver(payment, p.AuditDeterrenceBps, slash, MaxPpm)
	if r.GT(math.NewInt(MaxPpm)) {
		return MaxPpm
	}
	return uint32(r.Int64())
}
