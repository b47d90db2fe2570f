package main

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"os"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	dbm "github.com/cosmos/cosmos-db"

	"cosmossdk.io/log/v2"
	"github.com/cosmos/cosmos-sdk/baseapp"
	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/tx/signing"
	authsigning "github.com/cosmos/cosmos-sdk/x/auth/signing"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/verdict-chain/verdict/app"
	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/jobs/batch"
	"github.com/verdict-chain/verdict/x/jobs/serving"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

const benchChain = "verdict-bench-1"

// checkpointGas is the gas of one checkpoint of max_items requests, as
// the node charges it: the real app after genesis, the provider's signed
// checkpoint transaction run through the ante handler (signature check,
// transaction bytes, account) and the message router — what `--gas auto`
// simulates.
func checkpointGas() (uint64, uint64, error) {
	home, err := os.MkdirTemp("", "verdict-bench-serve-app")
	if err != nil {
		return 0, 0, err
	}
	defer func() { _ = os.RemoveAll(home) }()
	a := app.New(log.NewNopLogger(), dbm.NewMemDB(), true, simtestutil.NewAppOptionsWithFlagHome(home), baseapp.SetChainID(benchChain))
	provPriv, buyerPriv := secp256k1.GenPrivKey(), secp256k1.GenPrivKey()
	prov, buyer := sdk.AccAddress(provPriv.PubKey().Address()), sdk.AccAddress(buyerPriv.PubKey().Address())
	valSet, err := simtestutil.CreateRandomValidatorSet()
	if err != nil {
		return 0, 0, err
	}
	var accs []authtypes.GenesisAccount
	var balances []banktypes.Balance
	for _, addr := range []sdk.AccAddress{prov, buyer} {
		accs = append(accs, authtypes.NewBaseAccountWithAddress(addr))
		balances = append(balances, banktypes.Balance{Address: addr.String(), Coins: sdk.NewCoins(sdk.NewInt64Coin(app.BondDenom, 1<<60))})
	}
	gs, err := simtestutil.GenesisStateWithValSet(a.AppCodec(), a.DefaultGenesis(), valSet, accs, balances...)
	if err != nil {
		return 0, 0, err
	}
	stateBytes, err := json.Marshal(gs)
	if err != nil {
		return 0, 0, err
	}
	genTime := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := a.InitChain(&abci.RequestInitChain{ChainId: benchChain, Time: genTime, AppStateBytes: stateBytes, ConsensusParams: simtestutil.DefaultConsensusParams}); err != nil {
		return 0, 0, err
	}
	if _, err := a.FinalizeBlock(&abci.RequestFinalizeBlock{Height: 1, Time: genTime, NextValidatorsHash: valSet.Hash()}); err != nil {
		return 0, 0, err
	}
	if _, err := a.Commit(); err != nil {
		return 0, 0, err
	}
	ctx := a.NewNextBlockContext(cmtproto.Header{Height: 2, Time: genTime.Add(time.Second), ChainID: benchChain})
	deliver := func(msg sdk.Msg) error {
		_, err := a.MsgServiceRouter().Handler(msg)(ctx, msg)
		return err
	}

	// sessions on, a circuit registered, the provider with a serving key,
	// a session of max_items requests
	const circuit = "mlp2-64-64-10"
	p, err := a.JobsKeeper.Params.Get(ctx)
	if err != nil {
		return 0, 0, err
	}
	p.MaxSessionDuration = 24 * time.Hour
	if err := a.JobsKeeper.Params.Set(ctx, p); err != nil {
		return 0, 0, err
	}
	if err := a.DisputeKeeper.Circuits.Set(ctx, circuit, disputetypes.Circuit{Id: circuit, ProofSystem: disputetypes.ProofSystem_PROOF_SYSTEM_GROTH16_BN254}); err != nil {
		return 0, 0, err
	}
	servingKey, buyerKey := key("gas provider"), key("gas buyer")
	if err := deliver(&jobstypes.MsgRegisterProvider{
		Operator: prov.String(), Moniker: "gpu", Endpoint: "https://gpu.example",
		Classes:    []jobstypes.WorkloadClass{jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE},
		CircuitIds: []string{circuit},
		Prices:     []jobstypes.ClassPrice{{MaxUnitsPerJob: 1 << 40, MaxOpenUnits: 1 << 50, Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE, PricePerUnit: sdk.NewInt64Coin(app.BondDenom, 1)}},
		Bond:       sdk.NewInt64Coin(app.BondDenom, 1_000_000_000_000),
		ServingKey: servingKey.Public().(ed25519.PublicKey),
	}); err != nil {
		return 0, 0, fmt.Errorf("register: %w", err)
	}
	mc := make([]byte, 32)
	open, err := a.MsgServiceRouter().Handler(&jobstypes.MsgOpenSession{})(ctx, &jobstypes.MsgOpenSession{
		Buyer: buyer.String(), Provider: prov.String(), Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE,
		CircuitId: circuit, ModelCommitment: mc, UnitsPerRequest: 1, MaxPricePerUnit: sdk.NewInt64Coin(app.BondDenom, 1),
		MaxRequests: p.MaxItems, Duration: 12 * time.Hour, SessionKey: buyerKey.Public().(ed25519.PublicKey),
		ModelUri: "https://models.example/m.vmod",
	})
	if err != nil {
		return 0, 0, fmt.Errorf("open session: %w", err)
	}
	var opened jobstypes.MsgOpenSessionResponse
	if err := a.AppCodec().Unmarshal(open.MsgResponses[0].Value, &opened); err != nil {
		return 0, 0, err
	}

	// the checkpoint of every request: the buyer's last voucher and a root
	n := p.MaxItems
	last := serving.Digest([]byte("the last request's input"))
	v, err := serving.SignVoucher(buyerKey, benchChain, serving.Voucher{Session: opened.SessionId, Count: n, Input: last})
	if err != nil {
		return 0, 0, err
	}
	root, err := batch.Root(batch.KindReceipt, []batch.Hash{batch.Leaf(batch.KindReceipt, 0, []byte("receipt"))})
	if err != nil {
		return 0, 0, err
	}
	msg := &jobstypes.MsgCheckpoint{
		Provider: prov.String(), SessionId: opened.SessionId, Count: n, LastInput: last[:], VoucherSignature: v.Signature,
		ReceiptsRoot: root[:], ReceiptsUri: "https://gpu.example:8443/v1/sessions/1/receipts?first=1&count=100000",
	}
	txBytes, tx, err := signedTx(a, ctx, provPriv, prov, msg)
	if err != nil {
		return 0, 0, err
	}
	ctx = ctx.WithGasMeter(storetypes.NewInfiniteGasMeter()).WithTxBytes(txBytes)
	if ctx, err = a.AnteHandler()(ctx, tx, false); err != nil {
		return 0, 0, fmt.Errorf("ante: %w", err)
	}
	if err := deliver(msg); err != nil {
		return 0, 0, fmt.Errorf("checkpoint: %w", err)
	}
	return ctx.GasMeter().GasConsumed(), n, nil
}

// signedTx is msg in a transaction signed by priv (direct mode), encoded.
func signedTx(a *app.App, ctx sdk.Context, priv *secp256k1.PrivKey, addr sdk.AccAddress, msg sdk.Msg) ([]byte, sdk.Tx, error) {
	cfg := a.TxConfig()
	acc := a.AccountKeeper.GetAccount(ctx, addr)
	b := cfg.NewTxBuilder()
	if err := b.SetMsgs(msg); err != nil {
		return nil, nil, err
	}
	b.SetGasLimit(1_000_000)
	b.SetFeeAmount(sdk.NewCoins(sdk.NewInt64Coin(app.BondDenom, 1_000_000)))
	sig := signing.SignatureV2{PubKey: priv.PubKey(), Data: &signing.SingleSignatureData{SignMode: signing.SignMode_SIGN_MODE_DIRECT}, Sequence: acc.GetSequence()}
	if err := b.SetSignatures(sig); err != nil {
		return nil, nil, err
	}
	data := authsigning.SignerData{Address: addr.String(), ChainID: benchChain, AccountNumber: acc.GetAccountNumber(), Sequence: acc.GetSequence(), PubKey: priv.PubKey()}
	signed, err := clientSign(ctx, cfg, b, data, priv)
	if err != nil {
		return nil, nil, err
	}
	if err := b.SetSignatures(signed); err != nil {
		return nil, nil, err
	}
	bz, err := cfg.TxEncoder()(b.GetTx())
	return bz, b.GetTx(), err
}

func clientSign(ctx sdk.Context, cfg client.TxConfig, b client.TxBuilder, data authsigning.SignerData, priv *secp256k1.PrivKey) (signing.SignatureV2, error) {
	bz, err := authsigning.GetSignBytesAdapter(ctx, cfg.SignModeHandler(), signing.SignMode_SIGN_MODE_DIRECT, data, b.GetTx())
	if err != nil {
		return signing.SignatureV2{}, err
	}
	s, err := priv.Sign(bz)
	if err != nil {
		return signing.SignatureV2{}, err
	}
	return signing.SignatureV2{PubKey: priv.PubKey(), Data: &signing.SingleSignatureData{SignMode: signing.SignMode_SIGN_MODE_DIRECT, Signature: s}, Sequence: data.Sequence}, nil
}
