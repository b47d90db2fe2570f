package keeper_test

import (
	"encoding/hex"
	"errors"
	"os"

	errorsmod "cosmossdk.io/errors"

	"github.com/verdict-chain/verdict/testutil/snpsim"
	"github.com/verdict-chain/verdict/x/attest/types"
)

func hexs(b []byte) string { return hex.EncodeToString(b) }

// testdata reads the genuine vendor vectors kept with x/attest/tee.
func testdata(name string) []byte {
	b, err := os.ReadFile("../tee/testdata/" + name)
	if err != nil {
		panic(err)
	}
	return b
}

func snpsimOpts(rd [64]byte, debug bool) snpsim.ReportOptions {
	return snpsim.ReportOptions{ReportData: rd, Measurement: measurement, Debug: debug}
}

// errorsIsAttest: the error is registered in x/attest's codespace.
func errorsIsAttest(err error) bool {
	var e *errorsmod.Error
	return errors.As(err, &e) && e.Codespace() == types.ModuleName
}
