package tee_test

import (
	"testing"
	"time"

	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"

	"github.com/verdict-chain/verdict/testutil/snpsim"
	"github.com/verdict-chain/verdict/x/attest/tee"
	"github.com/verdict-chain/verdict/x/attest/types"
)

// BenchmarkVerifyGas calibrates x/attest's verification gas (`make bench`):
// each TEE check is timed interleaved with a secp256k1 signature check, the
// baseline the SDK prices at 1,000 gas, in the same run. Reported:
// secp-gas, the check's cost at that price (time ratio × 1,000), and
// param-gas, what the default params charge (about twice secp-gas).
func BenchmarkVerifyGas(b *testing.B) {
	sk := secp256k1.GenPrivKey()
	msg := []byte("a transaction's sign bytes")
	sig, err := sk.Sign(msg)
	if err != nil {
		b.Fatal(err)
	}
	pk := sk.PubKey()
	secp := func() {
		if !pk.VerifySignature(msg, sig) {
			b.Fatal("secp256k1 check failed")
		}
	}

	dp := types.DefaultParams()
	noColl := noCollateralPolicy()
	noCollRoots, _ := noColl.Parse()
	withColl := types.DefaultPolicy()
	withCollRoots, _ := withColl.Parse()
	src, err := genuineCollateral(tdxValidAt, withCollRoots)
	if err != nil {
		b.Fatal(err)
	}
	signer, err := snpsim.New(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		b.Fatal(err)
	}
	snpPolicy := types.DefaultPolicy()
	snpPolicy.AmdRoots = []types.AmdRoot{{ProductLine: signer.ProductLine(), ArkPem: string(signer.ArkPEM()), AskPem: string(signer.AskPEM())}}
	snpRoots, _ := snpPolicy.Parse()
	report, err := signer.Report(snpsim.ReportOptions{})
	if err != nil {
		b.Fatal(err)
	}
	snpAt := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

	for _, c := range []struct {
		name  string
		gas   uint64
		check func() error
	}{
		{"tdx-quote", dp.TdxVerifyGas, func() error {
			_, err := tee.VerifyTDX(tdxQuote, tdxValidAt, noColl, noCollRoots, src)
			return err
		}},
		// the genuine collateral matches no TCB level, but every signature
		// (PCK chain, CRLs, TCB info, QE identity, QE report, quote) is
		// checked before the TCB match that fails last
		{"tdx-quote+collateral", dp.TdxVerifyGas + dp.TdxCollateralGas, func() error {
			_, err := tee.VerifyTDX(tdxQuote, tdxValidAt, withColl, withCollRoots, src)
			if types.ErrTcbStatus.Is(err) {
				return nil
			}
			return err
		}},
		{"snp-report", dp.SnpVerifyGas, func() error {
			_, err := tee.VerifySNP(report, signer.VcekDER(), snpAt, snpPolicy, snpRoots)
			return err
		}},
		{"collateral-tcb-info", dp.CollateralVerifyGas, func() error {
			_, err := tee.CheckCollateral(types.CollateralKind_COLLATERAL_KIND_TCB_INFO, tcbInfo, tcbChain, tdxValidAt, withCollRoots)
			return err
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var base, cost time.Duration
			for i := 0; i < b.N; i++ {
				t := time.Now()
				secp()
				base += time.Since(t)
				t = time.Now()
				if err := c.check(); err != nil {
					b.Fatal(err)
				}
				cost += time.Since(t)
			}
			b.ReportMetric(float64(cost)/float64(base)*1000, "secp-gas")
			b.ReportMetric(float64(c.gas), "param-gas")
		})
	}
}
