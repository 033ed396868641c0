package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/safefile"
)

// eventsCmd runs `events export`: a product's traceability events as one
// EPCIS 2.0 document, for the national traceability portal or a buyer's
// system.
func (a *app) eventsCmd(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "export" {
		return usage(sayWantArgs, "events export --product ID [--lot LOT] --out FILE")
	}
	fs := a.flags("events export")
	req := &estampv1.ExportEventsRequest{}
	var out, since, until string
	var force bool
	fs.StringVar(&req.ProductId, "product", "", "product id")
	fs.StringVar(&req.Lot, "lot", "", "only the stamps of this lot (số lô)")
	fs.StringVar(&since, "since", "", "only events from this time on: RFC 3339 (2026-11-20T00:00:00+07:00) or a day YYYY-MM-DD in Vietnam")
	fs.StringVar(&until, "until", "", "only events before this time: RFC 3339 or a day YYYY-MM-DD (events of that day are left out)")
	fs.StringVar(&out, "out", "", "file to write the EPCIS document (JSON-LD) to")
	fs.BoolVar(&force, "force", false, "replace --out if it exists")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if err := needArgs(pos, 0, "events export --product ID [--lot LOT] --out FILE"); err != nil {
		return err
	}
	if req.ProductId == "" || out == "" {
		return usage(sayWantArgs, "events export --product ID [--lot LOT] --out FILE")
	}
	for _, t := range []struct {
		flag, value string
		to          **timestamppb.Timestamp
	}{{"since", since, &req.SinceTime}, {"until", until, &req.UntilTime}} {
		if t.value == "" {
			continue
		}
		at, err := parseMoment(t.value)
		if err != nil {
			return usage(sayBadMoment, t.flag, t.value)
		}
		*t.to = timestamppb.New(at)
	}
	file, err := safefile.Create(out, 0o644, force)
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	defer file.Abort()
	if err := a.dial(); err != nil {
		return err
	}
	stream, err := a.Insight.ExportEvents(ctx, req)
	if err != nil {
		return err
	}
	written := 0
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		n, err := file.Write(msg.Chunk)
		written += n
		if err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	if err := a.commit(file); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	fmt.Fprintln(a.out, a.say(sayEventsWritten, out, written))
	return nil
}

// parseMoment reads a time as RFC 3339, or a day as the start of that day
// in Vietnam.
func parseMoment(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := ocop.ParseDate("time", s)
	if err != nil {
		return time.Time{}, err
	}
	return ocop.DayStart(ocop.Day(d)), nil
}
