package keeper_test

import (
	"testing"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

func TestParamsValidate(t *testing.T) {
	require.NoError(t, types.DefaultParams().Validate())
	for name, f := range map[string]func(p *types.Params){
		"empty denom":                 func(p *types.Params) { p.Denom = "" },
		"bond denom differs":          func(p *types.Params) { p.MinProviderBond = sdk.NewInt64Coin("uatom", 1) },
		"zero bond":                   func(p *types.Params) { p.MinProviderBond = sdk.NewInt64Coin(types.DefaultDenom, 0) },
		"zero window":                 func(p *types.Params) { p.ChallengeWindow = 0 },
		"negative job duration":       func(p *types.Params) { p.MaxJobDuration = -time.Second },
		"fee above 100%":              func(p *types.Params) { p.ProtocolFeeBps = 10_001 },
		"cancel fee above 100%":       func(p *types.Params) { p.CancelFeeBps = 10_001 },
		"no settlements":              func(p *types.Params) { p.MaxSettlementsPerBlock = 0 },
		"no scheduler scan":           func(p *types.Params) { p.MaxSchedulerScan = 0 },
		"unbonding shorter than jobs": func(p *types.Params) { p.UnbondingPeriod = p.MaxJobDuration },
		"max prove time over 1h":      func(p *types.Params) { p.MaxProveTime = types.MaxProveTime + 1 },
		"no default prove time":       func(p *types.Params) { p.DefaultProveTime = 0 },
		"default over max prove time": func(p *types.Params) { p.DefaultProveTime = p.MaxProveTime + 1 },
	} {
		p := types.DefaultParams()
		f(&p)
		require.ErrorIs(t, p.Validate(), types.ErrInvalidParams, name)
	}
}
