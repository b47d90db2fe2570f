package keeper_test

import (
	"bytes"

	"cosmossdk.io/math"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"

	zksetup "github.com/verdict-chain/verdict/zkml/setup"
)

func sdkInt(n int64) math.Int { return math.NewInt(n) }

func mustAddr(s string) sdk.AccAddress { return sdk.MustAccAddressFromBech32(s) }

func testutilCtx(keys map[string]*storetypes.KVStoreKey) sdk.Context {
	return testutil.DefaultContextWithKeys(keys, nil, nil)
}

// otherVK is the VK of a second, independent setup of the same circuit.
func otherVK(s *Suite) []byte {
	_, vk, err := zksetup.Setup(s.kit.CCS)
	s.Require().NoError(err)
	var b bytes.Buffer
	_, err = vk.WriteTo(&b)
	s.Require().NoError(err)
	return b.Bytes()
}
