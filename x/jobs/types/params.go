package types

import (
	"time"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/internal/bps"
	"github.com/verdict-chain/verdict/x/jobs/batch"
)

// DefaultDenom is the chain's staking and fee denom.
const DefaultDenom = "uverd"

// DefaultParams are production defaults; the localnet genesis shortens the
// windows so the demo runs in seconds.
func DefaultParams() Params {
	return Params{
		Denom:                  DefaultDenom,
		MinProviderBond:        sdk.NewCoin(DefaultDenom, math.NewInt(1_000_000_000)),
		UnbondingPeriod:        14 * 24 * time.Hour,
		ChallengeWindow:        time.Hour,
		MaxJobDuration:         7 * 24 * time.Hour,
		ProtocolFeeBps:         200,
		MaxSettlementsPerBlock: 100,
		MaxSchedulerScan:       64,
		CancelFeeBps:           500,
		MinTimeLimit:           30 * time.Second,
		DeclineWindow:          2 * time.Minute,
		Retention:              30 * 24 * time.Hour,
		MaxBlockGap:            30 * time.Second,
		MaxProveTime:           10 * time.Minute,
		DefaultProveTime:       time.Minute,
		MaxItems:               batch.MaxItems,
		SessionNotice:          time.Hour,
		// serving sessions of up to 30 days (0 turns them off)
		MaxSessionDuration: 30 * 24 * time.Hour,
	}
}

// Validate checks every field.
func (p Params) Validate() error {
	if err := sdk.ValidateDenom(p.Denom); err != nil {
		return errorsmod.Wrapf(ErrInvalidParams, "denom: %v", err)
	}
	if !p.MinProviderBond.IsValid() || p.MinProviderBond.Denom != p.Denom || !p.MinProviderBond.IsPositive() {
		return errorsmod.Wrapf(ErrInvalidParams, "min_provider_bond must be a positive amount of %s, got %s", p.Denom, p.MinProviderBond)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"unbonding_period", p.UnbondingPeriod},
		{"challenge_window", p.ChallengeWindow},
		{"max_job_duration", p.MaxJobDuration},
		{"min_time_limit", p.MinTimeLimit},
		{"decline_window", p.DeclineWindow},
		{"retention", p.Retention},
		{"max_block_gap", p.MaxBlockGap},
		{"max_prove_time", p.MaxProveTime},
		{"default_prove_time", p.DefaultProveTime},
		{"session_notice", p.SessionNotice},
	} {
		if d.v <= 0 {
			return errorsmod.Wrapf(ErrInvalidParams, "%s must be positive, got %s", d.name, d.v)
		}
	}
	if p.ProtocolFeeBps > bps.Whole {
		return errorsmod.Wrapf(ErrInvalidParams, "protocol_fee_bps must be <= %d, got %d", bps.Whole, p.ProtocolFeeBps)
	}
	if p.CancelFeeBps > bps.Whole {
		return errorsmod.Wrapf(ErrInvalidParams, "cancel_fee_bps must be <= %d, got %d", bps.Whole, p.CancelFeeBps)
	}
	// a batch job's window is recorded and resumed around item disputes
	// (x/dispute window_left), within MaxChallengeWindow
	if p.ChallengeWindow > MaxChallengeWindow {
		return errorsmod.Wrapf(ErrInvalidParams, "challenge_window must be at most %s, got %s", MaxChallengeWindow, p.ChallengeWindow)
	}
	if p.UnbondingPeriod <= p.MaxJobDuration+p.ChallengeWindow {
		return errorsmod.Wrapf(ErrInvalidParams, "unbonding_period (%s) must exceed max_job_duration + challenge_window (%s) so a bond outlives the jobs it backs", p.UnbondingPeriod, p.MaxJobDuration+p.ChallengeWindow)
	}
	if p.MinTimeLimit > p.MaxJobDuration {
		return errorsmod.Wrapf(ErrInvalidParams, "min_time_limit (%s) must not exceed max_job_duration (%s)", p.MinTimeLimit, p.MaxJobDuration)
	}
	// below the block time every gap would be a halt and no time on a job
	// would ever pass: the halt clock needs gaps no live chain makes
	if p.MaxBlockGap < MinMaxBlockGap {
		return errorsmod.Wrapf(ErrInvalidParams, "max_block_gap must be at least %s (well above any block time), got %s", MinMaxBlockGap, p.MaxBlockGap)
	}
	if p.MaxProveTime > MaxProveTime {
		return errorsmod.Wrapf(ErrInvalidParams, "max_prove_time must be at most %s, got %s", MaxProveTime, p.MaxProveTime)
	}
	if p.DefaultProveTime > p.MaxProveTime {
		return errorsmod.Wrapf(ErrInvalidParams, "default_prove_time (%s) must not exceed max_prove_time (%s)", p.DefaultProveTime, p.MaxProveTime)
	}
	if p.MaxItems < 1 || p.MaxItems > batch.MaxItems {
		return errorsmod.Wrapf(ErrInvalidParams, "max_items must be in [1, %d], got %d", batch.MaxItems, p.MaxItems)
	}
	if p.MaxSessionDuration < 0 || p.MaxSessionDuration > MaxSessionDuration {
		return errorsmod.Wrapf(ErrInvalidParams, "max_session_duration must be in [0, %s], got %s", MaxSessionDuration, p.MaxSessionDuration)
	}
	if p.MaxSettlementsPerBlock == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "max_settlements_per_block must be positive")
	}
	if p.MaxSchedulerScan == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "max_scheduler_scan must be positive")
	}
	return nil
}

// Fee is bps of amount, rounded up: a paid job never pays a zero protocol
// fee (1 uverd at least), so no amount is too small to cost something.
func Fee(amount math.Int, b uint32) math.Int {
	if !amount.IsPositive() || b == 0 {
		return math.ZeroInt()
	}
	return bps.Ceil(amount, b)
}
