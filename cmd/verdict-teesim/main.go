// Command verdict-teesim is a simulated AMD SEV-SNP guest for the localnet
// demo and the end-to-end test: it signs attestation reports and enclave
// result signatures with go-sev-guest's TEST-ONLY key chain
// (testutil/snpsim). The localnet's genesis policy trusts that chain in
// place of AMD's; a real network trusts only AMD's roots, which reject every
// report made here.
//
//	verdict-teesim init DIR                     make the chain, enclave key and image measurement (once)
//	verdict-teesim genesis DIR                  the policy root and allowed measurement, JSON for genesis
//	verdict-teesim pubkey DIR                   the enclave's ed25519 public key, hex
//	verdict-teesim measurement DIR              the image's launch measurement, hex
//	verdict-teesim report DIR REPORT_DATA OUT   a signed report carrying REPORT_DATA (hex, 64 bytes)
//	verdict-teesim sign-result DIR CHAIN JOB OUTPUT UNITS   the enclave's signature of a result (output commitment and units used), hex
package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/verdict-chain/verdict/testutil/snpsim"
	"github.com/verdict-chain/verdict/x/attest/types"
)

// created fixes the test chain's keys' certificates: valid from 2024 (the
// VCEK for seven years).
var created = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// image is what the simulated guest runs; its measurement is SHA-384 of
// this label (a real guest's is the launch digest of its firmware and
// kernel).
const image = "verdict demo inference image v1"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "verdict-teesim:", err)
		os.Exit(1)
	}
}

func usage() error {
	return fmt.Errorf("usage: verdict-teesim init|genesis|pubkey|measurement DIR | report DIR REPORT_DATA_HEX OUT | sign-result DIR CHAIN_ID JOB_ID OUTPUT_HEX UNITS_USED")
}

func run(args []string) error {
	if len(args) < 2 {
		return usage()
	}
	cmd, dir := args[0], args[1]
	switch {
	case cmd == "init" && len(args) == 2:
		return initDir(dir)
	case cmd == "genesis" && len(args) == 2:
		return genesis(dir)
	case cmd == "pubkey" && len(args) == 2:
		key, err := enclaveKey(dir)
		if err != nil {
			return err
		}
		fmt.Println(hex.EncodeToString(key.Public().(ed25519.PublicKey)))
		return nil
	case cmd == "measurement" && len(args) == 2:
		m := measurement()
		fmt.Println(hex.EncodeToString(m[:]))
		return nil
	case cmd == "report" && len(args) == 4:
		return report(dir, args[2], args[3])
	case cmd == "sign-result" && len(args) == 6:
		return signResult(dir, args[2], args[3], args[4], args[5])
	}
	return usage()
}

func measurement() [48]byte { return sha512.Sum384([]byte(image)) }

func initDir(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "enclave.seed")); err == nil {
		return nil // made before
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	s, err := snpsim.New(created)
	if err != nil {
		return err
	}
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return err
	}
	for name, b := range map[string][]byte{
		"ark.pem": s.ArkPEM(), "ask.pem": s.AskPEM(), "vcek.der": s.VcekDER(),
		"enclave.seed": []byte(hex.EncodeToString(seed)),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

func genesis(dir string) error {
	ark, err := os.ReadFile(filepath.Join(dir, "ark.pem"))
	if err != nil {
		return err
	}
	ask, err := os.ReadFile(filepath.Join(dir, "ask.pem"))
	if err != nil {
		return err
	}
	m := measurement()
	out, err := json.Marshal(map[string]any{
		"amd_root": map[string]string{"product_line": "Milan", "ark_pem": string(ark), "ask_pem": string(ask)},
		"measurement": map[string]any{
			"tee_type": types.TeeType_TEE_TYPE_SEV_SNP.String(), "value": m[:],
			"note": image + " (TEST-ONLY SEV-SNP signer, localnet)",
		},
	})
	if err != nil {
		return err
	}
	fmt.Println(string(out))
	return nil
}

func enclaveKey(dir string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(filepath.Join(dir, "enclave.seed"))
	if err != nil {
		return nil, err
	}
	seed, err := hex.DecodeString(string(b))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("%s/enclave.seed is not a %d-byte hex seed", dir, ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

func report(dir, reportDataHex, out string) error {
	rd, err := hex.DecodeString(reportDataHex)
	if err != nil || len(rd) != types.ReportDataSize {
		return fmt.Errorf("report data must be %d bytes of hex", types.ReportDataSize)
	}
	s, err := snpsim.New(created)
	if err != nil {
		return err
	}
	opts := snpsim.ReportOptions{Measurement: measurement()}
	copy(opts.ReportData[:], rd)
	raw, err := s.Report(opts)
	if err != nil {
		return err
	}
	return os.WriteFile(out, raw, 0o644)
}

func signResult(dir, chainID, jobID, outputHex, unitsUsed string) error {
	key, err := enclaveKey(dir)
	if err != nil {
		return err
	}
	id, err := strconv.ParseUint(jobID, 10, 64)
	if err != nil {
		return fmt.Errorf("job id: %w", err)
	}
	output, err := hex.DecodeString(outputHex)
	if err != nil {
		return fmt.Errorf("output commitment: %w", err)
	}
	units, err := strconv.ParseUint(unitsUsed, 10, 64)
	if err != nil {
		return fmt.Errorf("units used: %w", err)
	}
	fmt.Println(hex.EncodeToString(ed25519.Sign(key, types.ResultSignBytes(chainID, id, output, units))))
	return nil
}
