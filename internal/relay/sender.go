package relay

import (
	"context"
	"crypto"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/store"
	"github.com/ocopvn/estamp/internal/trust"
)

// Outbox is the durable queue of receipts to report, kept in the store in
// the commit that recorded them.
type Outbox interface {
	QueuedReceipts(ctx context.Context, after uint64, limit int) ([]store.QueuedReceipt, error)
	QueuedReceiptsOf(ctx context.Context, ids []uint64) ([]store.QueuedReceipt, error)
	ReceiptsReported(ctx context.Context, ids []uint64) error
}

// Issuers gives the national trust list held, or nil.
type Issuers interface {
	List() *trust.List
}

// SigningKey is the issuer key reports are signed with: the active one.
type SigningKey func() (stampcode.KeyID, crypto.Signer, bool)

// RetryEvery is how often queued receipts are tried again while their
// province does not answer.
const RetryEvery = time.Minute

// Sender reports queued receipts to their provinces: at once for an
// intake that just queued them (Report), and in the background for what
// stays queued (Run), until each is answered. A report is removed from
// the queue only once its province answered it, so a crash between the
// answer and the removal sends it again, which the province answers the
// same (at least once, idempotent there).
type Sender struct {
	outbox  Outbox
	issuers Issuers
	own     func(trust.Issuer) bool
	key     SigningKey
	log     *slog.Logger
	kick    chan struct{}
	// dial makes a client of a province's gRPC URL; tests replace it.
	dial func(target string) (estampv1.CustodyServiceClient, error)

	mu    sync.Mutex
	conns map[string]*grpc.ClientConn
}

// NewSender returns a sender of outbox's receipts to the provinces
// issuers name, signed with key; own tells this service's entry.
func NewSender(outbox Outbox, issuers Issuers, own func(trust.Issuer) bool, key SigningKey, log *slog.Logger) *Sender {
	s := &Sender{outbox: outbox, issuers: issuers, own: own, key: key, log: log, kick: make(chan struct{}, 1), conns: map[string]*grpc.ClientConn{}}
	s.dial = s.dialGRPC
	return s
}

// Report sends the queued receipts of ids now, within ctx, and returns
// the answers of the provinces that answered; the others stay queued.
func (s *Sender) Report(ctx context.Context, ids []uint64) map[uint64]*estampv1.ReceiptOutcome {
	out := map[uint64]*estampv1.ReceiptOutcome{}
	if len(ids) == 0 {
		return out
	}
	queued, err := s.outbox.QueuedReceiptsOf(ctx, ids)
	if err != nil {
		s.log.Warn("queued receipts unreadable", "err", err)
		return out
	}
	s.sendAll(ctx, queued, out, map[string]bool{})
	return out
}

// Flush sends every queued receipt it can, oldest first, and returns how
// many stay queued for provinces that did not answer.
func (s *Sender) Flush(ctx context.Context) (left int, err error) {
	// A province that was down had its connection back off (up to two
	// minutes): the queue's schedule, not gRPC's, decides when to try.
	s.mu.Lock()
	for _, c := range s.conns {
		c.ResetConnectBackoff()
	}
	s.mu.Unlock()
	failed := map[string]bool{}
	var after uint64
	for {
		page, err := s.outbox.QueuedReceipts(ctx, after, MaxReceipts)
		if err != nil || len(page) == 0 {
			return left, err
		}
		after = page[len(page)-1].Receipt.GetReceiptId()
		answered := map[uint64]*estampv1.ReceiptOutcome{}
		s.sendAll(ctx, page, answered, failed, grpc.WaitForReady(true))
		left += len(page) - len(answered)
	}
}

// sendAll sends receipts, one report per province, skipping provinces
// in failed and adding those that fail to it; answers go to out.
func (s *Sender) sendAll(ctx context.Context, receipts []store.QueuedReceipt, out map[uint64]*estampv1.ReceiptOutcome, failed map[string]bool, opts ...grpc.CallOption) {
	byIssuer := map[string][]*estampv1.ForeignReceipt{}
	var order []string
	for _, q := range receipts {
		if _, ok := byIssuer[q.IssuerID]; !ok {
			order = append(order, q.IssuerID)
		}
		byIssuer[q.IssuerID] = append(byIssuer[q.IssuerID], q.Receipt)
	}
	for _, issuer := range order {
		if failed[issuer] {
			continue
		}
		for rs := range chunks(byIssuer[issuer], MaxReceipts) {
			answers, err := s.sendWithin(ctx, issuer, rs, opts...)
			if err != nil {
				failed[issuer] = true
				s.log.Warn("receipts not reported to their province; they stay queued", "issuer", issuer, "receipts", len(rs), "err", err)
				break
			}
			for _, a := range answers {
				out[a.GetReceiptId()] = a
			}
		}
	}
}

func chunks[T any](s []T, n int) func(func([]T) bool) {
	return func(yield func([]T) bool) {
		for len(s) > 0 {
			k := min(n, len(s))
			if !yield(s[:k]) {
				return
			}
			s = s[k:]
		}
	}
}

// SendWait bounds one report in the background, connection included: a
// province that does not answer within it is tried again later.
const SendWait = 10 * time.Second

func (s *Sender) sendWithin(ctx context.Context, issuerID string, receipts []*estampv1.ForeignReceipt, opts ...grpc.CallOption) ([]*estampv1.ReceiptOutcome, error) {
	ctx, cancel := context.WithTimeout(ctx, SendWait)
	defer cancel()
	return s.send(ctx, issuerID, receipts, opts...)
}

// send reports receipts to one province and takes those it answered off
// the queue.
func (s *Sender) send(ctx context.Context, issuerID string, receipts []*estampv1.ForeignReceipt, opts ...grpc.CallOption) ([]*estampv1.ReceiptOutcome, error) {
	list := s.issuers.List()
	if list == nil {
		return nil, errors.New("no valid trust list held")
	}
	from, ok := OwnID(list, s.own)
	if !ok {
		return nil, errors.New("the trust list does not name this service")
	}
	to, ok := issuerByID(list, issuerID)
	switch {
	case !ok:
		return nil, fmt.Errorf("issuer %s is not on the trust list", issuerID)
	case to.GRPCURL == "":
		return nil, fmt.Errorf("issuer %s publishes no grpc_url", issuerID)
	}
	keyID, signer, ok := s.key()
	if !ok {
		return nil, errors.New("no active issuer key to sign with")
	}
	req, err := Sign(&estampv1.ReceiptReport{FromIssuerId: from, ToIssuerId: issuerID, Receipts: receipts}, keyID, signer)
	if err != nil {
		return nil, err
	}
	client, err := s.dial(to.GRPCURL)
	if err != nil {
		return nil, err
	}
	resp, err := client.ReportReceipts(ctx, req, opts...)
	if err != nil {
		return nil, err
	}
	if len(resp.GetOutcomes()) != len(receipts) {
		return nil, fmt.Errorf("%d answers to %d receipts", len(resp.GetOutcomes()), len(receipts))
	}
	ids := make([]uint64, len(receipts))
	for i, r := range receipts {
		ids[i] = r.GetReceiptId()
	}
	if err := s.outbox.ReceiptsReported(context.WithoutCancel(ctx), ids); err != nil {
		// Answered but still queued: sent again later, answered the same.
		s.log.Warn("reported receipts could not be taken off the queue", "err", err)
	}
	return resp.GetOutcomes(), nil
}

// dialGRPC keeps one connection per province.
func (s *Sender) dialGRPC(target string) (estampv1.CustodyServiceClient, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.conns[target]; ok {
		return estampv1.NewCustodyServiceClient(c), nil
	}
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	creds := insecure.NewCredentials()
	if u.Scheme == "https" {
		creds = credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12})
	}
	c, err := grpc.NewClient(u.Host, grpc.WithTransportCredentials(creds))
	if err != nil {
		return nil, err
	}
	s.conns[target] = c
	return estampv1.NewCustodyServiceClient(c), nil
}

// Kick asks Run to send what is queued now.
func (s *Sender) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Run sends what is queued at start, every RetryEvery, and when kicked,
// until ctx is done; then it closes its connections.
func (s *Sender) Run(ctx context.Context) {
	t := time.NewTicker(RetryEvery)
	defer t.Stop()
	defer s.close()
	for {
		if left, err := s.Flush(ctx); err != nil {
			s.log.Warn("receipt queue unreadable", "err", err)
		} else if left > 0 {
			s.log.Info("receipts wait for their provinces", "queued", left)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		}
	}
}

func (s *Sender) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.Close()
	}
	s.conns = map[string]*grpc.ClientConn{}
}
