package econsim_test

import (
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"

	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// The third round's strategies (an honest provider never loses), played at
// once with the others:
//
//   - a challenge flooder: buys cheap direct jobs from one honest provider,
//     one a block, and challenges every result still in its window in one
//     block at the minimum bond. The provider declared a proving time of
//     6 s for the circuit and proves one dispute at a time at that pace
//     (earliest deadline first): the chain spaces the deadlines by it, so
//     it answers them all and the flooder loses every bond;
//   - a halt timer: challenges honest results in the last block before a
//     three-minute halt (a scheduled upgrade's height is public), hoping
//     the proof deadlines pass while the chain is down. The halt moves
//     them; the providers prove in the first block after the restart.

const (
	prover    = "honest-prover"
	flooder   = "challenge-flooder"
	haltTimer = "halt-timer"
	// proveEvery: the honest prover's pace, one proof per 3 blocks (6 s, as
	// it declared)
	proveEvery = 3
	// the flood cycle: jobs bought at heights cycle%floodCycle in
	// [floodFrom, floodFrom+floodJobs), every result in window challenged
	// at floodFrom+floodJobs
	floodCycle = 50
	floodFrom  = 5
	floodJobs  = 12
	// the halt: before block haltAt, for haltFor
	haltAt  = 120
	haltFor = 3 * time.Minute
)

// proverDeclares is the honest prover's declared proving time.
var proverDeclares = []jobstypes.ProvingTime{{CircuitId: circuitID, ProveTime: 6 * time.Second}}

// haltBefore is the extra time before block h: the halt.
func haltBefore(h int64) time.Duration {
	if h == haltAt {
		return haltFor
	}
	return 0
}

// mayProve paces the honest prover: one proof per proveEvery blocks, its
// earliest proof deadline first. Other providers prove at once.
func (s *sim) mayProve(ji *jobInfo) bool {
	if ji.provider != s.addr(prover) {
		return true
	}
	if s.height < s.proverNext {
		return false
	}
	ctx := s.queryCtx()
	var first uint64
	var firstAt time.Time
	for _, id := range s.order {
		o := s.jobs[id]
		if o.provider != s.addr(prover) || o.proved {
			continue
		}
		d, err := s.a.DisputeKeeper.Disputes.Get(ctx, id)
		if err != nil || d.Status != disputetypes.DisputeStatus_DISPUTE_STATUS_OPEN {
			continue
		}
		if first == 0 || d.ProofDeadline.Before(firstAt) {
			first, firstAt = id, d.ProofDeadline
		}
	}
	if first != ji.id {
		return false
	}
	s.proverNext = s.height + proveEvery
	return true
}

func (s *sim) round3(ctx sdk.Context, add func(tx)) {
	// the flooder buys, then challenges everything in its window at once
	switch c := s.height % floodCycle; {
	case c >= floodFrom && c < floodFrom+floodJobs:
		add(s.submitJob(flooder, 10, time.Minute, nil, s.addr(prover), 160)) // above every other buyer's price: the scheduler never picks the prover
	case c == floodFrom+floodJobs:
		var batch []sdk.Msg
		for _, id := range s.order {
			ji := s.jobs[id]
			if ji.buyer != s.addr(flooder) {
				continue
			}
			if j, err := s.a.JobsKeeper.GetJob(ctx, id); err == nil && j.Status == jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED {
				batch = append(batch, &disputetypes.MsgChallenge{Challenger: s.addr(flooder), JobId: id})
			}
		}
		if len(batch) > 0 {
			add(tx{from: flooder, batch: batch})
		}
	}
	// the halt timer challenges honest results in the block before the halt
	if s.height+1 == haltAt {
		var batch []sdk.Msg
		for _, id := range s.order {
			ji := s.jobs[id]
			if ji.provider != s.addr(honest1) && ji.provider != s.addr(honest2) && ji.provider != s.addr(prover) {
				continue
			}
			if j, err := s.a.JobsKeeper.GetJob(ctx, id); err == nil && j.Status == jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED && len(batch) < 5 {
				batch = append(batch, &disputetypes.MsgChallenge{Challenger: s.addr(haltTimer), JobId: id})
			}
		}
		if len(batch) > 0 {
			add(tx{from: haltTimer, batch: batch})
		}
	}
}

// recordBatch counts the challenges a flooder's or halt timer's batch
// opened (a batch is all or nothing).
func (s *sim) recordBatch(x tx, r *abciResult) {
	if x.batch == nil || r.code != 0 || (x.from != flooder && x.from != haltTimer) {
		return
	}
	s.jobsOf[x.from] += len(x.batch)
}
