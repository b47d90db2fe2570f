package serving_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"

	"github.com/verdict-chain/verdict/x/jobs/batch"
	"github.com/verdict-chain/verdict/x/jobs/serving"
)

const chain = "verdict-1"

func key(seed string) (ed25519.PublicKey, ed25519.PrivateKey) {
	s := sha256.Sum256([]byte(seed))
	k := ed25519.NewKeyFromSeed(s[:])
	return k.Public().(ed25519.PublicKey), k
}

func commit(s string) serving.Commitment {
	c := sha256.Sum256([]byte(s))
	c[0] &= 0x1f
	return c
}

func TestVoucherRoundTripAndEveryFieldBound(t *testing.T) {
	pub, priv := key("buyer")
	v, err := serving.SignVoucher(priv, chain, serving.Voucher{Session: 7, Count: 42, Input: commit("in-42")})
	require.NoError(t, err)
	require.NoError(t, serving.VerifyVoucher(pub, chain, v))

	otherPub, _ := key("stranger")
	cases := []struct {
		name  string
		pub   []byte
		chain string
		v     func(serving.Voucher) serving.Voucher
		err   error
	}{
		{"another chain (a replay)", pub, "verdict-2", func(v serving.Voucher) serving.Voucher { return v }, serving.ErrSignature},
		{"another session", pub, chain, func(v serving.Voucher) serving.Voucher { v.Session++; return v }, serving.ErrSignature},
		{"a higher count", pub, chain, func(v serving.Voucher) serving.Voucher { v.Count++; return v }, serving.ErrSignature},
		{"another input", pub, chain, func(v serving.Voucher) serving.Voucher { v.Input[31] ^= 1; return v }, serving.ErrSignature},
		{"an unknown key", otherPub, chain, func(v serving.Voucher) serving.Voucher { return v }, serving.ErrSignature},
		{"a short key", pub[:31], chain, func(v serving.Voucher) serving.Voucher { return v }, serving.ErrKey},
		{"a short signature", pub, chain, func(v serving.Voucher) serving.Voucher { v.Signature = v.Signature[:63]; return v }, serving.ErrSignature},
		{"no signature", pub, chain, func(v serving.Voucher) serving.Voucher { v.Signature = nil; return v }, serving.ErrSignature},
		{"count zero", pub, chain, func(v serving.Voucher) serving.Voucher { v.Count = 0; return v }, serving.ErrMalformed},
		{"no chain id", pub, "", func(v serving.Voucher) serving.Voucher { return v }, serving.ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tampered := c.v(v)
			tampered.Signature = append([]byte(nil), tampered.Signature...)
			require.ErrorIs(t, serving.VerifyVoucher(c.pub, c.chain, tampered), c.err)
		})
	}
}

func TestReceiptRoundTripAndEveryFieldBound(t *testing.T) {
	pub, priv := key("provider")
	_, buyer := key("buyer")
	v, err := serving.SignVoucher(buyer, chain, serving.Voucher{Session: 7, Count: 3, Input: commit("in-3")})
	require.NoError(t, err)
	r, err := serving.SignReceipt(priv, chain, serving.Receipt{
		Session: 7, Seq: 3, Input: commit("in-3"), Output: commit("out-3"), ReceivedMs: 1_700_000_000_000, AnsweredMs: 1_700_000_000_004,
		Voucher: v.Signature,
	})
	require.NoError(t, err)
	require.NoError(t, serving.VerifyReceipt(pub, chain, r))
	for name, f := range map[string]func(*serving.Receipt){
		"session":  func(r *serving.Receipt) { r.Session++ },
		"seq":      func(r *serving.Receipt) { r.Seq++ },
		"input":    func(r *serving.Receipt) { r.Input[0] ^= 1 },
		"output":   func(r *serving.Receipt) { r.Output[5] ^= 1 },
		"received": func(r *serving.Receipt) { r.ReceivedMs-- },
		"answered": func(r *serving.Receipt) { r.AnsweredMs++ },
		"voucher":  func(r *serving.Receipt) { r.Voucher = append([]byte{r.Voucher[0] ^ 1}, r.Voucher[1:]...) },
	} {
		x := r
		f(&x)
		require.ErrorIs(t, serving.VerifyReceipt(pub, chain, x), serving.ErrSignature, name)
	}
	require.ErrorIs(t, serving.VerifyReceipt(pub, "verdict-2", r), serving.ErrSignature)
	zero := r
	zero.Seq = 0
	require.ErrorIs(t, serving.VerifyReceipt(pub, chain, zero), serving.ErrMalformed)
	// the voucher it carries is the buyer's of that request
	buyerPub, _ := key("buyer")
	require.NoError(t, serving.VerifyVoucher(buyerPub, chain, r.VoucherOf()))

	// a voucher's signature is never a receipt's (the domains differ)
	bpub, bpriv := key("same key for both")
	same, err := serving.SignVoucher(bpriv, chain, serving.Voucher{Session: 7, Count: 3, Input: commit("in-3")})
	require.NoError(t, err)
	forged := r
	forged.Signature = same.Signature
	require.ErrorIs(t, serving.VerifyReceipt(bpub, chain, forged), serving.ErrSignature)
}

func TestChainIDsCannotCollide(t *testing.T) {
	// the length prefix: chain "ab" session s is not chain "a" with a
	// session whose first byte is 'b'
	a, err := serving.VoucherSignBytes("ab", 1, 1, commit("x"))
	require.NoError(t, err)
	b, err := serving.VoucherSignBytes("a", 'b'<<56|1>>8, 1, commit("x"))
	require.NoError(t, err)
	require.NotEqual(t, a, b)
	_, err = serving.VoucherSignBytes(string(make([]byte, serving.MaxChainIDLen+1)), 1, 1, commit("x"))
	require.ErrorIs(t, err, serving.ErrMalformed)
}

func TestBodyRoundTripAndReceiptTree(t *testing.T) {
	_, priv := key("provider")
	const first, n = 101, 37
	leaves := make([]batch.Hash, n)
	rs := make([]serving.Receipt, n)
	for i := range uint64(n) {
		r, err := serving.SignReceipt(priv, chain, serving.Receipt{
			Session: 2, Seq: first + i, Input: commit("in" + string(rune('a'+i))), Output: commit("out" + string(rune('a'+i))),
			ReceivedMs: 1000 + i, AnsweredMs: 1003 + i,
		})
		require.NoError(t, err)
		back, err := serving.ParseBody(r.Body())
		require.NoError(t, err)
		require.Equal(t, r.Body(), back.Body())
		rs[i], leaves[i] = r, r.Leaf(i)
	}
	root, err := batch.Root(batch.KindReceipt, leaves)
	require.NoError(t, err)
	path, err := batch.Path(leaves, 9)
	require.NoError(t, err)
	require.NoError(t, batch.VerifyPath(batch.KindReceipt, root[:], n, 9, rs[9].Leaf(9), batch.PathBytes(path)))
	// the leaf binds its position and every field of the body
	require.ErrorIs(t, batch.VerifyPath(batch.KindReceipt, root[:], n, 9, rs[9].Leaf(10), batch.PathBytes(path)), batch.ErrMismatch)
	other := rs[9]
	other.Output[31] ^= 1
	require.ErrorIs(t, batch.VerifyPath(batch.KindReceipt, root[:], n, 9, other.Leaf(9), batch.PathBytes(path)), batch.ErrMismatch)
	// a receipt tree's root is no output tree's root of the same leaves
	out, err := batch.Root(batch.KindOutput, leaves)
	require.NoError(t, err)
	require.NotEqual(t, root, out)

	for _, l := range []int{0, serving.BodyLen - 1, serving.BodyLen + 1} {
		_, err := serving.ParseBody(make([]byte, l))
		require.ErrorIs(t, err, serving.ErrMalformed)
	}
}

func FuzzParseBody(f *testing.F) {
	_, priv := key("provider")
	r, _ := serving.SignReceipt(priv, chain, serving.Receipt{Session: 1, Seq: 1, Input: commit("i"), Output: commit("o")})
	f.Add(r.Body())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := serving.ParseBody(b)
		if err != nil {
			if !errors.Is(err, serving.ErrMalformed) {
				t.Fatalf("unregistered error %v", err)
			}
			return
		}
		if string(r.Body()) != string(b) {
			t.Fatalf("body does not round-trip")
		}
	})
}

// BenchmarkVoucher: what a request costs in signatures — the buyer signs a
// voucher, the provider checks it, signs a receipt, and the buyer checks
// that — against one secp256k1 signature check (the chain's account keys:
// 1,000 gas in the SDK) in the same run.
func BenchmarkVoucher(b *testing.B) {
	bpub, bpriv := key("buyer")
	ppub, ppriv := key("provider")
	sk := secp256k1.GenPrivKey()
	msg := []byte("verdict voucher calibration")
	sig, err := sk.Sign(msg)
	require.NoError(b, err)
	pk := sk.PubKey()
	var tSign, tCheck, tReceipt, tSecp time.Duration
	count := uint64(0)
	for b.Loop() {
		count++
		t0 := time.Now()
		v, err := serving.SignVoucher(bpriv, chain, serving.Voucher{Session: 1, Count: count, Input: commit("in")})
		require.NoError(b, err)
		t1 := time.Now()
		require.NoError(b, serving.VerifyVoucher(bpub, chain, v))
		t2 := time.Now()
		r, err := serving.SignReceipt(ppriv, chain, serving.Receipt{Session: 1, Seq: count, Input: v.Input, Output: commit("out")})
		require.NoError(b, err)
		require.NoError(b, serving.VerifyReceipt(ppub, chain, r))
		t3 := time.Now()
		require.True(b, pk.VerifySignature(msg, sig))
		t4 := time.Now()
		tSign += t1.Sub(t0)
		tCheck += t2.Sub(t1)
		tReceipt += t3.Sub(t2)
		tSecp += t4.Sub(t3)
	}
	n := time.Duration(b.N)
	b.ReportMetric(float64((tSign+tCheck+tReceipt)/n)/1e3, "µs/request")
	b.Logf("per request: voucher signed %s, checked %s; receipt signed and checked %s; all %.2fx one secp256k1 check (%s)",
		tSign/n, tCheck/n, tReceipt/n, float64(tSign+tCheck+tReceipt)/float64(tSecp), tSecp/n)
}
