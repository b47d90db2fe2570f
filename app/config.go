package app

import (
	sdk "github.com/cosmos/cosmos-sdk/types"
)

const (
	// AppName is the binary and application name.
	AppName = "verdictd"
	// Bech32Prefix is the account address prefix.
	Bech32Prefix = "verdict"
	// BondDenom is the staking and fee denom.
	BondDenom = "uverd"
)

func init() { SetConfig() }

// SetConfig sets the bech32 prefixes and the default bond denom. Idempotent;
// call before anything parses an address.
func SetConfig() {
	if sdk.GetConfig().GetBech32AccountAddrPrefix() == Bech32Prefix {
		return
	}
	cfg := sdk.GetConfig()
	cfg.SetBech32PrefixForAccount(Bech32Prefix, Bech32Prefix+sdk.PrefixPublic)
	cfg.SetBech32PrefixForValidator(Bech32Prefix+sdk.PrefixValidator+sdk.PrefixOperator, Bech32Prefix+sdk.PrefixValidator+sdk.PrefixOperator+sdk.PrefixPublic)
	cfg.SetBech32PrefixForConsensusNode(Bech32Prefix+sdk.PrefixValidator+sdk.PrefixConsensus, Bech32Prefix+sdk.PrefixValidator+sdk.PrefixConsensus+sdk.PrefixPublic)
	sdk.DefaultBondDenom = BondDenom
}
