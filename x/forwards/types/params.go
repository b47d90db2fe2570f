package types

import (
	"time"

	errorsmod "cosmossdk.io/errors"

	"github.com/verdict-chain/verdict/x/internal/bps"
)

// DefaultParams: windows of 1, 4 or 24 hours up to 30 days ahead; lots of
// 10 units; a seller locks 20% of the price per unit (15% with a high
// reputation, 15% if attested, 11.25% with both, never below 10%); an
// undelivered unit costs the seller 10% of its price or what the buyer must
// pay above it at spot, whichever is more, up to the collateral. The index:
// the units-weighted median of the last 24 hourly buckets, stale below
// 1,000 units, a bucket at most 20% away from the index before it.
func DefaultParams() Params {
	return Params{
		WindowLengths:           []time.Duration{time.Hour, 4 * time.Hour, 24 * time.Hour},
		MaxHorizon:              30 * 24 * time.Hour,
		MinLotUnits:             10,
		MaxFillsPerMsg:          20,
		MaxOpenOrders:           50,
		CollateralBps:           2_000,
		MinCollateralBps:        1_000,
		HighReputationPpm:       800_000,
		HighReputationFactorBps: 7_500,
		AttestedFactorBps:       7_500,
		NonDeliveryFeeBps:       1_000,
		IndexWindowHours:        24,
		IndexMinVolumeUnits:     1_000,
		IndexMaxMoveBps:         2_000,
		MaxSettlementsPerBlock:  50,
		Retention:               30 * 24 * time.Hour,
		WindowGrid:              time.Hour,
	}
}

// Validate checks every field.
func (p Params) Validate() error {
	if p.WindowGrid < time.Second || p.WindowGrid%time.Second != 0 || time.Hour%p.WindowGrid != 0 && p.WindowGrid%time.Hour != 0 {
		return errorsmod.Wrap(ErrInvalidParams, "window_grid must be whole seconds dividing an hour, or whole hours")
	}
	if len(p.WindowLengths) == 0 || len(p.WindowLengths) > 16 {
		return errorsmod.Wrap(ErrInvalidParams, "window_lengths: 1..16 lengths")
	}
	seen := map[time.Duration]bool{}
	for _, l := range p.WindowLengths {
		if l < p.WindowGrid || l%p.WindowGrid != 0 || l > 7*24*time.Hour || seen[l] {
			return errorsmod.Wrapf(ErrInvalidParams, "window length %s: a multiple of window_grid %s, at most 168h, no repeats", l, p.WindowGrid)
		}
		seen[l] = true
	}
	if p.MaxHorizon < time.Hour || p.MaxHorizon > 365*24*time.Hour {
		return errorsmod.Wrap(ErrInvalidParams, "max_horizon must be 1h..365 days")
	}
	if p.MinLotUnits == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "min_lot_units must be positive")
	}
	if p.MaxFillsPerMsg == 0 || p.MaxFillsPerMsg > MaxFillsPerMsg {
		return errorsmod.Wrapf(ErrInvalidParams, "max_fills_per_msg must be 1..%d", MaxFillsPerMsg)
	}
	if p.MaxOpenOrders == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "max_open_orders must be positive")
	}
	for name, v := range map[string]uint32{
		"collateral_bps": p.CollateralBps, "min_collateral_bps": p.MinCollateralBps,
		"high_reputation_factor_bps": p.HighReputationFactorBps, "attested_factor_bps": p.AttestedFactorBps,
		"non_delivery_fee_bps": p.NonDeliveryFeeBps, "index_max_move_bps": p.IndexMaxMoveBps,
	} {
		if v > bps.Whole {
			return errorsmod.Wrapf(ErrInvalidParams, "%s must be <= %d", name, bps.Whole)
		}
	}
	if p.MinCollateralBps == 0 || p.MinCollateralBps > p.CollateralBps {
		return errorsmod.Wrap(ErrInvalidParams, "min_collateral_bps must be in [1, collateral_bps]: a seller always has something at stake")
	}
	if p.HighReputationFactorBps == 0 || p.AttestedFactorBps == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "discount factors must be positive")
	}
	if p.HighReputationPpm > PPM {
		return errorsmod.Wrapf(ErrInvalidParams, "high_reputation_ppm must be <= %d", PPM)
	}
	if p.IndexWindowHours == 0 || p.IndexWindowHours > MaxIndexWindowHours {
		return errorsmod.Wrapf(ErrInvalidParams, "index_window_hours must be 1..%d", MaxIndexWindowHours)
	}
	if p.IndexMaxMoveBps == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "index_max_move_bps must be positive")
	}
	if p.MaxSettlementsPerBlock == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "max_settlements_per_block must be positive")
	}
	if p.Retention <= 0 {
		return errorsmod.Wrap(ErrInvalidParams, "retention must be positive")
	}
	return nil
}
