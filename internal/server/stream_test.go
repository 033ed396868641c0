package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/issuance"
	"github.com/ocopvn/estamp/internal/server"
)

// grpcDefaultMaxRecv is gRPC's default receive limit, which clients such
// as grpcurl keep.
const grpcDefaultMaxRecv = 4 << 20

// A 100,000-stamp batch, the largest there is, is issued and every code
// fetched over a real TCP connection by a client with gRPC's default
// message limits: every message is well under 4 MiB, the serials come in
// order, and the codes verify. A client that goes away mid-stream stops the
// server's signing at once.
func TestStream100000StampsWithDefaultLimits(t *testing.T) {
	var logs syncBuffer
	e := startAt(t, t.TempDir(), "http://localhost:8080", 0, logTo(&logs))
	e.seedRegistry(t)
	c := e.dialTCP(t)
	iss := c.Issuance
	ctx := context.Background()

	resp, err := iss.IssueStamps(ctx, &estampv1.IssueStampsRequest{ProductId: "NEM-CHUA", Lot: "L-100K", ProductionDate: "2026-11-20",
		Quantity: issuance.MaxQuantity, RequestId: "100k"})
	if err != nil {
		t.Fatal(err)
	}
	if size := proto.Size(resp); size > 1024 {
		t.Errorf("IssueStamps response is %d bytes: it should hold the batch only", size)
	}
	b := resp.Batch
	start := time.Now()
	msgs, err := streamStamps(ctx, iss, &estampv1.StreamStampsRequest{BatchId: b.Id})
	took := time.Since(start)
	if err != nil {
		t.Fatalf("StreamStamps of 100,000 with default limits: %v", err)
	}
	var all []*estampv1.Stamp
	largest := 0
	for i, m := range msgs {
		size := proto.Size(m)
		largest = max(largest, size)
		if size >= grpcDefaultMaxRecv/2 || len(m.Stamps) > issuance.MaxStreamStamps || len(m.Stamps) == 0 {
			t.Errorf("message %d: %d stamps, %d bytes", i, len(m.Stamps), size)
		}
		if (i == 0) != (m.Batch != nil) || (i == 0) != (m.Total != 0) {
			t.Errorf("message %d: batch %v, total %d; want both on the first message only", i, m.Batch != nil, m.Total)
		}
		all = append(all, m.Stamps...)
	}
	t.Logf("%d codes in %d messages (largest %d bytes) in %s", len(all), len(msgs), largest, took)
	if len(msgs) == 0 || !proto.Equal(msgs[0].Batch, b) || msgs[0].Total != issuance.MaxQuantity || len(all) != issuance.MaxQuantity {
		t.Fatalf("%d messages, %d codes; want the batch and a total of 100000 first", len(msgs), len(all))
	}
	for i, s := range all {
		if s.Serial != b.FirstSerial+uint64(i) {
			t.Fatalf("stamp %d has serial %d, want %d", i, s.Serial, b.FirstSerial+uint64(i))
		}
	}
	// Every code verifies, checked on a sample: both ends and 200 between.
	sample := []int{0, len(all) - 1}
	for range 200 {
		sample = append(sample, rand.IntN(len(all)))
	}
	for _, i := range sample {
		v, err := c.Verification.Verify(ctx, &estampv1.VerifyRequest{Code: all[i].Code})
		if err != nil || v.Verdict != estampv1.Verdict_VERDICT_GENUINE || v.Serial != all[i].Serial {
			t.Fatalf("stamp %d: %v %v", i, v.GetVerdict(), err)
		}
	}

	// The client goes away after the first message: the server's call
	// ends long before the whole batch could have been signed.
	cctx, cancel := context.WithCancel(ctx)
	stream, err := iss.StreamStamps(cctx, &estampv1.StreamStampsRequest{BatchId: b.Id})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	cancel()
	gone := time.Now()
	ended := `method=/estamp.v1.IssuanceService/StreamStamps code=Canceled`
	for !strings.Contains(logs.String(), ended) {
		if time.Since(gone) > took {
			t.Fatalf("the server still streams %s after the client went away:\n%s", took, logs.String())
		}
		time.Sleep(time.Millisecond)
	}
	if stopped := time.Since(gone); stopped > took/4 {
		t.Errorf("the server stopped %s after the client went away; the whole batch took %s", stopped, took)
	} else {
		t.Logf("the server stopped %s after the client went away", stopped)
	}
}

// Messages stay small whatever the base URL: a long one makes every code
// longer, so fewer go in a message.
func TestStreamMessagesStaySmall(t *testing.T) {
	for _, tt := range []struct {
		name, baseURL string
		quantity      uint32
		// sizes are the stamp counts of the messages.
		sizes []int
	}{
		{"usual base URL", "http://localhost:8080", 12_345, []int{5000, 5000, 2345}},
		{"base URL of 3,000 characters", "https://tem.ocop.vn/" + strings.Repeat("A", 2980), 700, []int{332, 332, 36}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := startAt(t, t.TempDir(), tt.baseURL, 0)
			e.seedRegistry(t)
			b := e.issueBatch(t, "NEM-CHUA", tt.quantity)
			msgs, err := streamStamps(context.Background(), e.Issuance, &estampv1.StreamStampsRequest{BatchId: b.Id})
			if err != nil {
				t.Fatal(err)
			}
			var sizes []int
			for i, m := range msgs {
				sizes = append(sizes, len(m.Stamps))
				if size := proto.Size(m); size > 1<<20+4096 {
					t.Errorf("message %d: %d bytes, over 1 MiB", i, size)
				}
			}
			if fmt.Sprint(sizes) != fmt.Sprint(tt.sizes) {
				t.Errorf("messages of %v stamps, want %v", sizes, tt.sizes)
			}
		})
	}
}

// issueBatch issues a batch with the admin connection, without its codes.
func (e *env) issueBatch(t testing.TB, product string, n uint32) *estampv1.Batch {
	t.Helper()
	resp, err := e.Issuance.IssueStamps(context.Background(), &estampv1.IssueStampsRequest{
		ProductId: product, Lot: "L-2026-11", ProductionDate: "2026-11-20", Quantity: n, RequestId: fmt.Sprint("batch-", n, "-", time.Now().UnixNano()),
	})
	if err != nil {
		t.Fatalf("issue %s: %v", product, err)
	}
	return resp.Batch
}

// A stream resumes from any serial of the batch and sends the rest, the
// same codes as the whole stream; what is not a serial of the batch is
// refused, naming the field.
func TestStreamStampsResumes(t *testing.T) {
	e := start(t)
	e.seedRegistry(t)
	other := e.issue(t, "NEM-CHUA", 3, "other")
	whole := e.issue(t, "NEM-CHUA", 7_000, "resume")
	first := whole.Batch.FirstSerial
	last := first + 6_999
	serial := func(n uint64) *uint64 { return &n }
	for _, tt := range []struct {
		name  string
		req   *estampv1.StreamStampsRequest
		code  codes.Code
		field string
		// from is the index in the batch of the first stamp sent.
		from int
	}{
		{"whole batch", &estampv1.StreamStampsRequest{BatchId: whole.Batch.Id}, codes.OK, "", 0},
		{"from the first serial", &estampv1.StreamStampsRequest{BatchId: whole.Batch.Id, FromSerial: serial(first)}, codes.OK, "", 0},
		{"from the middle of a message", &estampv1.StreamStampsRequest{BatchId: whole.Batch.Id, FromSerial: serial(first + 1234)}, codes.OK, "", 1234},
		{"from the last serial", &estampv1.StreamStampsRequest{BatchId: whole.Batch.Id, FromSerial: serial(last)}, codes.OK, "", 6999},
		{"from another batch's serial", &estampv1.StreamStampsRequest{BatchId: whole.Batch.Id, FromSerial: serial(other.Batch.FirstSerial)}, codes.InvalidArgument, "from_serial", 0},
		{"from past the end", &estampv1.StreamStampsRequest{BatchId: whole.Batch.Id, FromSerial: serial(last + 1)}, codes.InvalidArgument, "from_serial", 0},
		{"from serial 0", &estampv1.StreamStampsRequest{BatchId: whole.Batch.Id, FromSerial: serial(0)}, codes.InvalidArgument, "from_serial", 0},
		{"no batch", &estampv1.StreamStampsRequest{}, codes.InvalidArgument, "batch_id", 0},
		{"unknown batch", &estampv1.StreamStampsRequest{BatchId: 404}, codes.NotFound, "404", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			msgs, err := streamStamps(context.Background(), e.Issuance, tt.req)
			if tt.code != codes.OK {
				if status.Code(err) != tt.code || !strings.Contains(status.Convert(err).Message(), tt.field) || len(msgs) != 0 {
					t.Errorf("%d messages, then %v; want %v naming %s", len(msgs), err, tt.code, tt.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []*estampv1.Stamp
			for _, m := range msgs {
				got = append(got, m.Stamps...)
			}
			want := whole.Stamps[tt.from:]
			if msgs[0].Total != uint32(len(want)) || len(got) != len(want) {
				t.Fatalf("total %d, %d stamps; want %d", msgs[0].Total, len(got), len(want))
			}
			for i := range want {
				if !proto.Equal(got[i], want[i]) {
					t.Fatalf("stamp %d: %v, want %v", i, got[i], want[i])
				}
			}
		})
	}
}

// Every token has a budget of codes signed or rendered; a call over it is
// refused with ResourceExhausted and a RetryInfo before any work, other
// tokens are not affected, a resumed stream is charged only what it sends,
// and the budget refills.
func TestTokenCodeBudget(t *testing.T) {
	e := startAt(t, t.TempDir(), "http://localhost:8080", 0, func(c *server.Config) { c.TokenCodeRate, c.TokenCodeBurst = 100, 250 })
	e.seedRegistry(t)
	b := e.issueBatch(t, "NEM-CHUA", 100)
	ctx := context.Background()
	secret, _ := e.token(t, estampv1.Role_ROLE_PRODUCER, "HTX-NEM-CHUA", "")
	producer := e.dial(t, secret)
	sameProducer, _ := e.token(t, estampv1.Role_ROLE_PRODUCER, "HTX-NEM-CHUA", "")
	second := e.dial(t, sameProducer)
	stream := func(c clients, from *uint64) error {
		_, err := streamStamps(ctx, c.Issuance, &estampv1.StreamStampsRequest{BatchId: b.Id, FromSerial: from})
		return err
	}
	render := func(c clients, format estampv1.LabelFormat) error {
		s, err := c.Labels.RenderLabels(ctx, &estampv1.RenderLabelsRequest{BatchId: b.Id, Format: format})
		if err != nil {
			return err
		}
		for {
			if _, err := s.Recv(); err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
		}
	}
	refused := func(step string, err error) {
		t.Helper()
		if status.Code(err) != codes.ResourceExhausted || !strings.Contains(status.Convert(err).Message(), "100 codes") {
			t.Fatalf("%s: %v, want ResourceExhausted naming the 100 codes", step, err)
		}
		for _, d := range status.Convert(err).Details() {
			if r, ok := d.(*errdetails.RetryInfo); ok && r.RetryDelay.AsDuration() >= time.Second {
				return
			}
		}
		t.Errorf("%s: no RetryInfo of at least a second: %v", step, status.Convert(err).Details())
	}
	near := b.FirstSerial + 90
	svg := estampv1.LabelFormat_LABEL_FORMAT_SVG_ZIP
	for _, step := range []struct {
		name string
		call func() error
		want codes.Code
	}{
		{"stream 100 of 250", func() error { return stream(producer, nil) }, codes.OK},
		// Refused by the service: it renders nothing and costs nothing.
		{"render without a format", func() error { return render(producer, estampv1.LabelFormat_LABEL_FORMAT_UNSPECIFIED) }, codes.InvalidArgument},
		{"render 100 of 150", func() error { return render(producer, svg) }, codes.OK},
		{"stream 100 of 50", func() error { return stream(producer, nil) }, codes.ResourceExhausted},
		{"render 100 of 50", func() error { return render(producer, svg) }, codes.ResourceExhausted},
		{"another token of the same producer", func() error { return stream(second, nil) }, codes.OK},
		{"the office", func() error { return stream(e.clients, nil) }, codes.OK},
		{"resume the last 10 of 50", func() error { return stream(producer, &near) }, codes.OK},
		{"then 100 of 40", func() error { return stream(producer, nil) }, codes.ResourceExhausted},
	} {
		err := step.call()
		switch {
		case step.want == codes.ResourceExhausted:
			refused(step.name, err)
		case status.Code(err) != step.want:
			t.Fatalf("%s: %v, want %v", step.name, err, step.want)
		}
	}
	// 60 codes a second later: enough for 100.
	e.clock.Set(e.clock.Now().Add(600 * time.Millisecond))
	if err := stream(producer, nil); err != nil {
		t.Errorf("after the refill: %v", err)
	}
}

// logTo sends the server's log to w.
func logTo(w io.Writer) func(*server.Config) {
	return func(c *server.Config) { c.Log = slog.New(slog.NewTextHandler(w, nil)) }
}
