package cli

import (
	"context"
	"flag"
	"fmt"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/verdict"
)

// activate binds labels printed ahead to the lot they were put on. At
// packing, the first and the last label of the run are scanned (--from,
// --to): each code names its batch and serial, so nobody types serials.
func (a *app) activate(ctx context.Context, args []string) error {
	fs := a.flags("activate")
	req := &estampv1.ActivateStampsRequest{}
	var from, to string
	fs.StringVar(&from, "from", "", "code of the first label of the run (scanned)")
	fs.StringVar(&to, "to", "", "code of the last label of the run (scanned)")
	fs.Uint64Var(&req.BatchId, "batch", 0, "batch id, instead of --from and --to: with --first and --last, or alone for the whole batch")
	fs.Var(serialFlag{&req.FirstSerial}, "first", "first serial, with --batch")
	fs.Var(serialFlag{&req.LastSerial}, "last", "last serial, with --batch")
	fs.StringVar(&req.Lot, "lot", "", "lot number (số lô) the labels were put on")
	fs.StringVar(&req.ProductionDate, "production-date", ocop.FormatDate(ocop.Today(a.now())), "production date: YYYY-MM-DD, a day in Vietnam (UTC+7)")
	fs.StringVar(&req.ExpiryDate, "expiry-date", "", "expiry date: YYYY-MM-DD (optional)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(pos, 0, "activate --from CODE --to CODE --lot LOT"); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if !given["lot"] {
		return usage(sayActivateNeeds, "lot")
	}
	switch {
	case given["from"] != given["to"]:
		return usage(sayActivateRange)
	case given["from"] && (given["batch"] || given["first"] || given["last"]):
		return usage(sayActivateEither)
	case given["from"]:
		batch, first, err := labelOf("from", from)
		if err != nil {
			return err
		}
		lastBatch, last, err := labelOf("to", to)
		if err != nil {
			return err
		}
		if batch != lastBatch {
			return usage(sayActivateTwoBatches, batch, lastBatch)
		}
		req.BatchId, req.FirstSerial, req.LastSerial = uint64(batch), min(first, last), max(first, last)
	case !given["batch"]:
		return usage(sayActivateNeeds, "from")
	}
	if err := a.dial(); err != nil {
		return err
	}
	resp, err := a.Issuance.ActivateStamps(ctx, req)
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(resp)
	}
	first, last := req.FirstSerial, req.LastSerial
	if first == 0 {
		first, last = resp.Batch.FirstSerial, resp.Batch.FirstSerial+uint64(resp.Batch.Quantity)-1
	}
	fmt.Fprintln(a.out, a.say(sayActivated, resp.ActivatedCount, resp.Batch.Id, ocop.ShowSerial(first), ocop.ShowSerial(last), req.Lot))
	return nil
}

// labelOf reads the batch and serial a scanned label's code names. The
// signature is the server's to check: a code it did not issue activates
// nothing.
func labelOf(flagName, code string) (batch uint32, serial uint64, err error) {
	chk := verdict.Read(code, verdict.Scanned)
	if !chk.Readable {
		return 0, 0, usage(sayActivateNotACode, flagName)
	}
	return chk.Claims.BatchID, chk.Claims.Serial, nil
}

// serialFlag is a serial typed as the label shows it, grouped or not.
type serialFlag struct{ n *uint64 }

func (s serialFlag) String() string {
	if s.n == nil || *s.n == 0 {
		return ""
	}
	return ocop.ShowSerial(*s.n)
}

func (s serialFlag) Set(v string) error {
	n, err := ocop.ParseSerial("serial", v)
	if err != nil {
		return err
	}
	*s.n = n
	return nil
}
