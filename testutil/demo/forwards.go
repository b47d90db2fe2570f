package demo

import (
	"fmt"
	"strconv"
	"time"

	"cosmossdk.io/math"

	forwardstypes "github.com/verdict-chain/verdict/x/forwards/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// forwardsScene: a provider sells a delivery window forward below its list
// price, a buyer buys part of it, two jobs run against the position at the
// forward price, the seller pauses, and at the window's end the undelivered
// units are refunded with the non-delivery penalty. The scene has its own
// seller (gpu-f) and buyer, so it runs beside the others: its two-minute
// window is the demo's longest wait.
func forwardsScene(s *S) {
	seller := s.Account("seller-fwd", 5_000_000_000)
	buyer := s.Account("buyer-fwd", 1_000_000_000)
	jp, fp := s.JobsParams(), s.ForwardsParams()
	w := s.mlpWorkload("fwd", s.cfg.ZKShape, "poseidon2", "demo-fwd", "main")
	in := s.Zk(w.scheme, "commit", s.File("fwd-input-main.vten"))
	result := s.Zk(w.scheme, "infer", w.model, s.File("fwd-input-main.vten"))
	s.registerProvider("seller-fwd", "gpu-f", "--prices", priceJSON(100, false), "--declared-latency-ms", "20", "--declared-bandwidth-mbps", "1000")

	const fwdPrice, offered, bought = 80, 100, 60
	s.Say("gpu-f sells a delivery window forward at %d uverd/unit (it lists 100 today); a buyer buys %d units", fwdPrice, bought)
	now := s.BlockTime()
	grid := int64(fp.WindowGrid / time.Second)
	// the first grid point at least 25 s ahead: time for both orders
	start := time.Unix(((now.Unix()+25)/grid+1)*grid, 0).UTC()
	length := fp.WindowLengths[0]
	series := fmt.Sprintf(`{"class":"WORKLOAD_CLASS_INFERENCE","window_start":"%s","window_length":"%ds"}`, start.Format(time.RFC3339), length/time.Second)
	s.Info("series %s (localnet windows: a %s grid, %s long; a real network's are hours)", series, fp.WindowGrid, length)
	b0, a0, c0 := s.Gross(buyer), s.Gross(seller), s.Pool()
	s.Tx("seller-fwd", "forwards", "place-order", series, "sell", u(fwdPrice), strconv.Itoa(offered))
	r := s.Tx("buyer-fwd", "forwards", "place-order", series, "buy", u(fwdPrice), strconv.Itoa(bought))
	pos, err := strconv.ParseUint(r.Attr("verdict.forwards.v1.EventOrderFilled", "position_id"), 10, 64)
	s.Must(err, "position id")
	s.Record("position", pos)
	p := s.Position(pos)
	s.Show(map[string]any{"id": p.Id, "owner": p.Owner, "seller": p.Seller, "units": p.Units, "price_per_unit": p.PricePerUnit.String(), "collateral_per_unit": p.CollateralPerUnit.String(), "escrow": p.Escrow.String(), "collateral": p.Collateral.String()})
	cpu := p.CollateralPerUnit.Amount
	s.Expect("collateral per unit (x/forwards CollateralPerUnit at collateral_bps: gpu-f is new and not attested)", cpu, forwardstypes.CollateralPerUnit(p.PricePerUnit, fp.CollateralBps).Amount)
	s.Expect("buyer balance change (pays the notional into escrow)", s.Gross(buyer).Sub(b0), math.NewInt(-fwdPrice*bought))
	s.Expect("gpu-f balance change (collateral for the 100 units offered)", s.Gross(seller).Sub(a0), cpu.MulRaw(-offered))

	s.Say("In the window the buyer runs two jobs against the position, at the forward price")
	s.Info("waiting for the window to open at %s", start.Format("15:04:05"))
	s.WaitFor("the window opens", 200*time.Second, func() bool { return !s.BlockTime().Before(start) })
	s.WaitFor("the unsold collateral returned", 10*time.Second, func() bool { return s.Gross(seller).Sub(a0).Equal(cpu.MulRaw(-bought)) })
	s.Expect("gpu-f balance change (the 40 unsold units' collateral back at the window start)", s.Gross(seller).Sub(a0), cpu.MulRaw(-bought))
	// every 30 s job must be due inside the 60 s window: the three
	// submissions come first, the results after (a paused provider still
	// delivers what it took)
	jobFees := math.ZeroInt()
	delivered := uint64(0)
	type taken struct{ job, units uint64 }
	var took []taken
	for _, n := range []uint64{20, 10} {
		r := s.Tx("buyer-fwd", "forwards", "submit-position-job", id(pos), id(n), w.modelC, in, "30s")
		j, err := strconv.ParseUint(r.Attr("verdict.forwards.v1.EventPositionJob", "job_id"), 10, 64)
		s.Must(err, "no job drawn")
		s.Expect(fmt.Sprintf("job %d price per unit (forward price, not gpu-f's list price 100)", j), s.Job(j).PricePerUnit.Amount, math.NewInt(fwdPrice))
		took = append(took, taken{j, n})
	}

	s.Say("gpu-f pauses: the next job cannot go to it; the buyer's transaction succeeds and records the seller's fault")
	s.Tx("seller-fwd", "jobs", "pause-provider")
	r = s.Tx("buyer-fwd", "forwards", "submit-position-job", id(pos), "20", w.modelC, in, "30s")
	s.Expect("units refused (seller's fault)", r.Attr("verdict.forwards.v1.EventDeliveryRefused", "units"), "20")
	reason := r.Attr("verdict.forwards.v1.EventDeliveryRefused", "reason")
	if len(reason) > 100 {
		reason = reason[:100]
	}
	s.Info("reason: %s", reason)

	s.Say("gpu-f delivers the two jobs it took")
	for _, t := range took {
		j, n := t.job, t.units
		s.Tx("seller-fwd", "jobs", "post-result", id(j), result, id(n))
		jobFees = jobFees.Add(jobstypes.Fee(math.NewIntFromUint64(fwdPrice*n), jp.ProtocolFeeBps))
		delivered += n
	}
	p = s.Position(pos)
	s.Show(map[string]any{"in_flight": p.InFlight, "delivered": p.Delivered, "fault": p.Fault, "escrow": p.Escrow.String()})

	s.Say("The window ends: delivered units were paid as they finalized; undelivered ones are refunded with the penalty")
	s.Info("the buyer is compensated at the fee its trade fixed; what the index adds goes to the community pool (nobody gains by moving it)")
	s.WaitFor(fmt.Sprintf("position %d settled", pos), 240*time.Second, func() bool {
		return s.Position(pos).Status == forwardstypes.PositionStatus_POSITION_STATUS_SETTLED
	})
	st := s.Position(pos).Settlement
	s.Show(st)
	const fault = 20
	unused := uint64(bought) - delivered - fault
	price := math.NewInt(fwdPrice)
	fs := forwardstypes.SettleFaults(price, fault, fault, fp.NonDeliveryFeeBps, st.IndexPrice.Amount, st.IndexStale, cpu.MulRaw(bought))
	topFee := jobstypes.Fee(price.Mul(math.NewIntFromUint64(unused)), jp.ProtocolFeeBps)
	s.Info("per fault unit: the price back + max(%d bps of it, index - price) = %s (x/forwards PenaltyPerUnit; index stale: %v)",
		fp.NonDeliveryFeeBps, forwardstypes.PenaltyPerUnit(price, fp.NonDeliveryFeeBps, st.IndexPrice.Amount, st.IndexStale), st.IndexStale)
	s.Expect("fault units", st.FaultUnits, fault)
	s.Expect("unused units (take-or-pay: paid to the seller)", st.UnusedUnits, unused)
	s.Expect("penalty (x/forwards SettleFaults)", st.Penalty.Amount, fs.Penalty)
	s.Expect("compensated units (a refusal: unambiguous)", st.CompensatedUnits, fault)
	s.Expect("take-or-pay protocol fee", st.ProtocolFee.Amount, topFee)
	s.Expect("buyer balance change (notional out; fault units back + compensation)", s.Gross(buyer).Sub(b0),
		math.NewInt(-fwdPrice*bought+fwdPrice*fault).Add(fs.Compensation))
	s.Expect("gpu-f balance change (delivered and unused units minus fees, collateral less the penalty)", s.Gross(seller).Sub(a0),
		price.Mul(math.NewIntFromUint64(delivered+unused)).Sub(jobFees).Sub(topFee).Sub(fs.Penalty))
	s.ExpectPool(c0, "protocol fees, the penalty beyond the compensation", jobFees.Add(topFee).Add(fs.Penalty).Sub(fs.Compensation))
	acc, err := forwardstypes.NewQueryClient(s.c.Conn()).Accounting(s.ctx, &forwardstypes.QueryAccountingRequest{})
	s.Must(err, "x/forwards accounting")
	s.Show(acc)
	s.Expect("x/forwards accounting balanced", acc.Balanced, true)
	s.Info("gpu-f stays paused: it sells nothing more in the demo")
}
