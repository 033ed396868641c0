// Package issuance implements IssuanceService: batches of signed stamps for
// certified products.
//
// A batch is stored as a record with a consecutive serial range, not as one
// record per stamp; Ed25519 signatures are deterministic, so each stamp's
// code can be reproduced from the record and the key that signed it.
package issuance

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/audit"
	"github.com/ocopvn/estamp/internal/auth"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/paging"
	"github.com/ocopvn/estamp/internal/record"
	"github.com/ocopvn/estamp/internal/stampcode"
)

// Limits of one request.
const (
	MaxQuantity      = 100_000
	MaxLotLength     = 64
	MaxRequestIDSize = 128
)

// Store is what issuance needs from storage.
type Store interface {
	IssueBatch(ctx context.Context, requestID, productID string, ch audit.Change, plan func(*estampv1.Product) (*estampv1.Batch, error), issued func(*estampv1.Batch) audit.Entry) (*estampv1.Batch, bool, error)
	Batch(ctx context.Context, id uint64) (*estampv1.Batch, error)
	RevokedSerials(ctx context.Context, batchID uint64) (*estampv1.Batch, []*estampv1.SerialRange, error)
	Activations(ctx context.Context, batchID uint64) ([]*estampv1.Activation, error)
	ActivateStamps(ctx context.Context, a record.Activation, activated func(record.Activation, *estampv1.Batch, int) audit.Entry) (*estampv1.Batch, int, uint64, error)
	Batches(ctx context.Context, productID string, after uint64, limit int) ([]*estampv1.Batch, bool, error)
	RevokeStamps(ctx context.Context, r record.Revocation, revoked func(record.Revocation, record.Revoked) audit.Entry) (*estampv1.Batch, int, uint64, error)
	Product(ctx context.Context, id string) (*estampv1.Product, error)
}

// Issuers finds the issuer key for new batches and, by id, for
// reproducing the codes of old ones.
type Issuers interface {
	ActiveIssuer() (*stampcode.Issuer, error)
	Issuer(keyID string) (*stampcode.Issuer, bool)
}

// Service implements estampv1.IssuanceServiceServer.
type Service struct {
	estampv1.UnimplementedIssuanceServiceServer
	store   Store
	issuers Issuers
	prefix  string
	now     func() time.Time
}

// New returns the service issuing codes under baseURL.
func New(store Store, issuers Issuers, baseURL string, now func() time.Time) (*Service, error) {
	prefix, err := stampcode.URLPrefix(baseURL)
	if err != nil {
		return nil, err
	}
	return &Service{store: store, issuers: issuers, prefix: prefix, now: now}, nil
}

type issueRequest struct {
	lot                  string
	production           time.Time
	productionS, expiryS string
	quantity             uint32
	// inactive: a roll printed ahead, without lot or dates.
	inactive bool
}

func parseIssue(req *estampv1.IssueStampsRequest) (*issueRequest, error) {
	if err := ocop.CheckID("product_id", req.GetProductId()); err != nil {
		return nil, err
	}
	r := &issueRequest{quantity: req.GetQuantity()}
	if n := len(req.GetRequestId()); n == 0 || n > MaxRequestIDSize {
		return nil, ocop.Invalid("request_id", "bắt buộc, từ 1 đến %d byte; khi thử lại hãy dùng lại đúng mã này", "required, 1 to %d bytes; reuse it when retrying", MaxRequestIDSize)
	}
	if r.quantity < 1 || r.quantity > MaxQuantity {
		return nil, ocop.Invalid("quantity", "%d nằm ngoài khoảng 1..%d", "%d is outside 1..%d", r.quantity, MaxQuantity)
	}
	// A roll printed ahead: no lot, no dates, until activation.
	if req.GetLot() == "" && req.GetProductionDate() == "" && req.GetExpiryDate() == "" {
		r.inactive = true
		return r, nil
	}
	l, err := parseLot(req.GetLot(), req.GetProductionDate(), req.GetExpiryDate())
	if err != nil {
		return nil, err
	}
	r.lot, r.production, r.productionS, r.expiryS = l.lot, l.production, l.productionS, l.expiryS
	return r, nil
}

// lotOf is a lot with its dates, as issuance and activation take them.
type lotOf struct {
	lot                  string
	production           time.Time
	productionS, expiryS string
}

// parseLot checks a lot and its dates: the lot 1 to MaxLotLength
// characters, the production date a day, the expiry date none or a day not
// before it.
func parseLot(lot, production, expiry string) (*lotOf, error) {
	l := &lotOf{}
	var err error
	if l.lot, err = ocop.Text("lot", lot, true, MaxLotLength); err != nil {
		return nil, err
	}
	if l.production, err = ocop.ParseDate("production_date", production); err != nil {
		return nil, err
	}
	l.productionS = ocop.FormatDate(l.production)
	if expiry != "" {
		e, err := ocop.ParseDate("expiry_date", expiry)
		if err != nil {
			return nil, err
		}
		if e.Before(l.production) {
			return nil, ocop.Invalid("expiry_date", "%s trước ngày sản xuất %s", "%s is before the production date %s", expiry, l.productionS)
		}
		l.expiryS = ocop.FormatDate(e)
	}
	return l, nil
}

// IssueStamps implements estampv1.IssuanceServiceServer.
func (s *Service) IssueStamps(ctx context.Context, req *estampv1.IssueStampsRequest) (*estampv1.IssueStampsResponse, error) {
	r, err := parseIssue(req)
	if err != nil {
		return nil, err
	}
	issuer, err := s.issuers.ActiveIssuer()
	if err != nil {
		return nil, err
	}
	now := s.now()
	if r.production.After(ocop.Today(now)) {
		return nil, ocop.Invalid("production_date", "%s là ngày trong tương lai", "%s is in the future", r.productionS)
	}
	batch, created, err := s.store.IssueBatch(ctx, req.GetRequestId(), req.GetProductId(), audit.Change{Actor: auth.Actor(ctx), Time: now}, func(p *estampv1.Product) (*estampv1.Batch, error) {
		if p.StarGrade < ocop.MinCertifiedGrade {
			return nil, ocop.Precondition("sản phẩm %s xếp hạng %d★; chỉ sản phẩm từ 3★ trở lên được công nhận OCOP", "product %s is graded %d★; only 3★ and above are certified", p.Id, p.StarGrade)
		}
		switch ocop.CertificateStatus(p.Certificate, now) {
		case estampv1.CertificateStatus_CERTIFICATE_STATUS_REVOKED:
			return nil, ocop.Precondition("giấy chứng nhận %s của sản phẩm %s đã bị thu hồi: %s", "certificate %s of product %s was revoked: %s", p.Certificate.DecisionNumber, p.Id, p.Certificate.RevocationReason)
		case estampv1.CertificateStatus_CERTIFICATE_STATUS_EXPIRED:
			return nil, ocop.Precondition("giấy chứng nhận %[1]s của sản phẩm %[2]s đã hết hạn ngày %[4]s", "certificate %[1]s of product %[2]s expired on %[3]s", p.Certificate.DecisionNumber, p.Id, p.Certificate.ValidUntil, ocop.ShowDate(p.Certificate.ValidUntil, ocop.VI))
		}
		return &estampv1.Batch{
			Lot:                       r.lot,
			ProductionDate:            r.productionS,
			ExpiryDate:                r.expiryS,
			Quantity:                  r.quantity,
			StarGrade:                 p.StarGrade,
			CertificateDecisionNumber: p.Certificate.DecisionNumber,
			ValidUntil:                p.Certificate.ValidUntil,
			KeyId:                     issuer.KeyID().String(),
			BaseUrl:                   s.prefix,
			IssuedInactive:            r.inactive,
		}, nil
	}, issueEntry)
	if err != nil {
		return nil, err
	}
	if !created && !sameRequest(batch, req.GetProductId(), r) {
		return nil, ocop.Precondition("request_id %q đã được dùng cho lô tem %d với thông số khác", "request_id %q was already used for batch %d with other parameters", req.GetRequestId(), batch.Id)
	}
	return &estampv1.IssueStampsResponse{Batch: batch}, nil
}

// ActivateStamps implements estampv1.IssuanceServiceServer.
func (s *Service) ActivateStamps(ctx context.Context, req *estampv1.ActivateStampsRequest) (*estampv1.ActivateStampsResponse, error) {
	if req.GetBatchId() == 0 {
		return nil, ocop.Invalid("batch_id", "bắt buộc", "required")
	}
	var ranges []*estampv1.SerialRange
	switch serials := req.GetSerials(); {
	case len(serials) > 0 && (req.GetFirstSerial() != 0 || req.GetLastSerial() != 0):
		return nil, ocop.Invalid("serials", "dùng serials hoặc first_serial/last_serial, không dùng cả hai", "give serials or first_serial/last_serial, not both")
	case len(serials) > MaxQuantity:
		return nil, ocop.Invalid("serials", "%d sê-ri, tối đa %d", "%d serials, at most %d", len(serials), MaxQuantity)
	case len(serials) > 0:
		sorted := slices.Clone(serials)
		slices.Sort(sorted)
		for _, s := range slices.Compact(sorted) {
			if k := len(ranges); k > 0 && ranges[k-1].Last+1 == s {
				ranges[k-1].Last = s
				continue
			}
			ranges = append(ranges, &estampv1.SerialRange{First: s, Last: s})
		}
	case (req.GetFirstSerial() == 0) != (req.GetLastSerial() == 0):
		return nil, ocop.Invalid("last_serial", "cần cả first_serial và last_serial, hoặc không cái nào (cả lô)", "give both first_serial and last_serial, or neither (the whole batch)")
	case req.GetFirstSerial() != 0:
		ranges = []*estampv1.SerialRange{{First: req.GetFirstSerial(), Last: req.GetLastSerial()}}
	}
	now := s.now()
	production := req.GetProductionDate()
	if production == "" {
		production = ocop.FormatDate(ocop.Today(now))
	}
	l, err := parseLot(req.GetLot(), production, req.GetExpiryDate())
	if err != nil {
		return nil, err
	}
	if l.production.After(ocop.Today(now)) {
		return nil, ocop.Invalid("production_date", "%s là ngày trong tương lai", "%s is in the future", l.productionS)
	}
	a := record.Activation{BatchID: req.GetBatchId(), Ranges: ranges,
		Lot: l.lot, ProductionDate: l.productionS, ExpiryDate: l.expiryS, Change: audit.Change{Actor: auth.Actor(ctx), Time: now}}
	b, n, version, err := s.store.ActivateStamps(ctx, a, activationEntry)
	if err != nil {
		return nil, err
	}
	return &estampv1.ActivateStampsResponse{Batch: b, ActivatedCount: uint32(n), RevocationVersion: version}, nil
}

// activationEntry is the audit entry of an activation.
func activationEntry(a record.Activation, b *estampv1.Batch, n int) audit.Entry {
	asked := "the whole batch"
	if len(a.Ranges) > 0 {
		asked = fmt.Sprintf("serials %d-%d in %d ranges", a.Ranges[0].First, a.Ranges[len(a.Ranges)-1].Last, len(a.Ranges))
	}
	return audit.Entry{Action: audit.StampsActivate, Target: strconv.FormatUint(b.Id, 10), Detail: fmt.Sprintf("lot %s, %d stamps newly of %s, produced %s, expiry %s",
		a.Lot, n, asked, a.ProductionDate, a.ExpiryDate)}
}

// issueEntry is the audit entry of a batch as issued.
func issueEntry(b *estampv1.Batch) audit.Entry {
	return audit.Entry{Action: audit.StampsIssue, Target: strconv.FormatUint(b.Id, 10), Detail: fmt.Sprintf("product %s, lot %s, %d stamps, serials %d-%d, key %s",
		b.ProductId, b.Lot, b.Quantity, b.FirstSerial, b.FirstSerial+uint64(b.Quantity)-1, b.KeyId)}
}

func sameRequest(b *estampv1.Batch, productID string, r *issueRequest) bool {
	return b.ProductId == productID && b.Lot == r.lot && b.Quantity == r.quantity &&
		b.ProductionDate == r.productionS && b.ExpiryDate == r.expiryS && b.IssuedInactive == r.inactive
}

// productNumber is the number stamps carry for the batch's product.
func (s *Service) productNumber(ctx context.Context, b *estampv1.Batch) (uint32, error) {
	p, err := s.store.Product(ctx, b.ProductId)
	if err != nil {
		return 0, err
	}
	return p.Number, nil
}

// signer reproduces the codes of one batch.
type signer struct {
	issuer *stampcode.Issuer
	batch  *estampv1.Batch
	claims stampcode.Claims // all but the serial
}

// signerFor finds what the codes of b need: the key that signed them
// (refused once compromised, so that its codes are never printed again)
// and the product's number.
func (s *Service) signerFor(ctx context.Context, b *estampv1.Batch) (*signer, error) {
	issuer, ok := s.issuers.Issuer(b.KeyId)
	if !ok {
		return nil, ocop.Precondition("khóa %s đã ký lô tem %d không còn dùng được", "key %s that signed batch %d is no longer available", b.KeyId, b.Id)
	}
	validUntil, err := time.Parse(ocop.DateLayout, b.ValidUntil)
	if err != nil {
		return nil, err
	}
	n, err := s.productNumber(ctx, b)
	if err != nil {
		return nil, err
	}
	return &signer{issuer: issuer, batch: b, claims: stampcode.Claims{
		ProductNumber: n,
		BatchID:       uint32(b.Id),
		StarGrade:     uint8(b.StarGrade),
		ValidUntil:    validUntil,
	}}, nil
}

// sign reproduces n stamps from serial first on, signing on all cores:
// each code is an Ed25519 signature (about 19 µs), so a 100,000-stamp
// batch is 1.9 s of one core's work.
//
// Workers take signChunk stamps at a time rather than a fixed share each:
// while gRPC writes the previous message, or another call runs, one core
// is often taken for a while, and a worker with a fixed share would leave
// the other idle at the end. With chunks they finish within one chunk of
// each other (estamp-bench, batches of 100,000: 1.89–1.93 cores used
// instead of 1.77–1.78 with a fixed half each).
func (g *signer) sign(ctx context.Context, first uint64, n int) ([]*estampv1.Stamp, error) {
	stamps := make([]*estampv1.Stamp, n)
	chunks := (n + signChunk - 1) / signChunk
	workers := min(runtime.GOMAXPROCS(0), chunks)
	var (
		next atomic.Int64 // the next chunk to take
		wg   sync.WaitGroup
	)
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() {
			claims := g.claims
			for c := int(next.Add(1) - 1); c < chunks; c = int(next.Add(1) - 1) {
				// Checked once a chunk: a client gone away stops the
				// work within a millisecond.
				if err := ctx.Err(); err != nil {
					errs[w] = err
					return
				}
				for i := c * signChunk; i < min((c+1)*signChunk, n); i++ {
					claims.Serial = first + uint64(i)
					code, err := g.issuer.Sign(g.batch.BaseUrl, claims)
					if err != nil {
						errs[w] = err
						next.Store(int64(chunks)) // the others stop too
						return
					}
					stamps[i] = &estampv1.Stamp{Serial: claims.Serial, Code: code}
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return stamps, nil
}

// signChunk is how many stamps a signing worker takes at a time: about
// 1 ms of work, small beside a message of perMessage stamps, large beside
// the atomic add that hands it out.
const signChunk = 64

// GetBatch implements estampv1.IssuanceServiceServer.
func (s *Service) GetBatch(ctx context.Context, req *estampv1.GetBatchRequest) (*estampv1.GetBatchResponse, error) {
	if req.GetId() == 0 {
		return nil, ocop.Invalid("id", "bắt buộc", "required")
	}
	b, revoked, err := s.store.RevokedSerials(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	resp := &estampv1.GetBatchResponse{Batch: b, RevokedSerials: revoked}
	if b.IssuedInactive {
		if resp.Activations, err = s.store.Activations(ctx, b.Id); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// BatchStamps returns a batch and every stamp's code, e.g. for printing.
func (s *Service) BatchStamps(ctx context.Context, id uint64) (*estampv1.Batch, []*estampv1.Stamp, error) {
	b, err := s.store.Batch(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	g, err := s.signerFor(ctx, b)
	if err != nil {
		return nil, nil, err
	}
	stamps, err := g.sign(ctx, b.FirstSerial, int(b.Quantity))
	if err != nil {
		return nil, nil, err
	}
	return b, stamps, nil
}

// Limits of one StreamStamps message. 5,000 stamps of a usual base URL are
// about 0.9 MB, well under gRPC's default 4 MiB; the byte bound keeps a
// message small under a long base URL too.
const (
	MaxStreamStamps = 5000
	maxStreamBytes  = 1 << 20
)

// StreamRange is the part of batch b a StreamStamps request asks for: its
// first serial and how many stamps from there to the batch's end. The
// access table charges the count to the caller's token before the stream
// starts.
func StreamRange(b *estampv1.Batch, fromSerial *uint64) (first uint64, n uint32, err error) {
	if fromSerial == nil {
		return b.FirstSerial, b.Quantity, nil
	}
	last := b.FirstSerial + uint64(b.Quantity) - 1
	if *fromSerial < b.FirstSerial || *fromSerial > last {
		return 0, 0, ocop.Invalid("from_serial", "%d không phải sê-ri của lô tem %d (từ %d đến %d)", "%d is not a serial of batch %d (%d to %d)", *fromSerial, b.Id, b.FirstSerial, last)
	}
	return *fromSerial, uint32(last - *fromSerial + 1), nil
}

// perMessage is how many stamps of b go in one StreamStamps message. All
// codes of a batch have the same length: its base URL and a token.
func perMessage(b *estampv1.Batch) int {
	size := len(b.BaseUrl) + stampcode.TokenLength + 16 // with the serial and field tags
	return max(1, min(MaxStreamStamps, maxStreamBytes/size))
}

// StreamStamps implements estampv1.IssuanceServiceServer. Codes are signed
// one message's worth at a time, on all cores, while the message before is
// being sent: memory stays at a few messages whatever the batch's size, and
// a client that goes away stops the signing.
func (s *Service) StreamStamps(req *estampv1.StreamStampsRequest, stream estampv1.IssuanceService_StreamStampsServer) error {
	if req.GetBatchId() == 0 {
		return ocop.Invalid("batch_id", "bắt buộc", "required")
	}
	b, err := s.store.Batch(stream.Context(), req.GetBatchId())
	if err != nil {
		return err
	}
	first, n, err := StreamRange(b, req.FromSerial)
	if err != nil {
		return err
	}
	g, err := s.signerFor(stream.Context(), b)
	if err != nil {
		return err
	}
	per := perMessage(b)
	ctx, cancel := context.WithCancel(stream.Context())
	type signed struct {
		stamps []*estampv1.Stamp
		err    error
	}
	// One message waits while the next is signed: enough to keep the
	// cores busy while gRPC writes, and no more held in memory.
	ready := make(chan signed, 1)
	go func() {
		defer close(ready)
		for done := 0; done < int(n); {
			k := min(per, int(n)-done)
			stamps, err := g.sign(ctx, first+uint64(done), k)
			select {
			case ready <- signed{stamps, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
			done += k
		}
	}()
	defer func() {
		cancel()
		for range ready { // wait for the signer to stop
		}
	}()
	msg := &estampv1.StreamStampsResponse{Batch: b, Total: n}
	for part := range ready {
		if part.err != nil {
			return part.err
		}
		msg.Stamps = part.stamps
		if err := stream.Send(msg); err != nil {
			return err
		}
		msg = &estampv1.StreamStampsResponse{}
	}
	// The signer stops early only when ctx is done: then the client has
	// gone away or the server is stopping, and not every code was sent.
	return ctx.Err()
}

// ListBatches implements estampv1.IssuanceServiceServer.
func (s *Service) ListBatches(ctx context.Context, req *estampv1.ListBatchesRequest) (*estampv1.ListBatchesResponse, error) {
	if err := ocop.CheckID("product_id", req.GetProductId()); err != nil {
		return nil, err
	}
	limit, after, err := paging.Numbered(req)
	if err != nil {
		return nil, err
	}
	list, more, err := s.store.Batches(ctx, req.GetProductId(), after, limit)
	if err != nil {
		return nil, err
	}
	return &estampv1.ListBatchesResponse{Batches: list, NextPageToken: paging.Next(list, more, func(last *estampv1.Batch) string { return paging.NumberToken(last.Id) })}, nil
}

// revocationTarget reads what a RevokeStampsRequest revokes as the store
// takes it: a batch with no serials is the whole batch; serials are
// restricted to batchID when it is not 0.
func revocationTarget(req *estampv1.RevokeStampsRequest) (batchID uint64, serials []uint64, err error) {
	switch t := req.GetTarget().(type) {
	case *estampv1.RevokeStampsRequest_BatchId:
		if t.BatchId == 0 {
			return 0, nil, ocop.Invalid("batch_id", "0 không phải mã lô tem", "0 is not a batch id")
		}
		return t.BatchId, nil, nil
	case *estampv1.RevokeStampsRequest_Stamps:
		set := t.Stamps
		switch n := len(set.GetSerials()); {
		case n == 0:
			return 0, nil, ocop.Invalid("stamps.serials", "bắt buộc: từ 1 đến %d sê-ri", "required: 1 to %d serials", MaxQuantity)
		case n > MaxQuantity:
			return 0, nil, ocop.Invalid("stamps.serials", "%d sê-ri, tối đa %d", "%d serials, at most %d", n, MaxQuantity)
		}
		// Set to 0, it would name no batch: refused rather than read as
		// "any batch", which leaving it unset says.
		if set.BatchId != nil && set.GetBatchId() == 0 {
			return 0, nil, ocop.Invalid("stamps.batch_id", "0 không phải mã lô tem; để trống nếu các sê-ri thuộc nhiều lô", "0 is not a batch id; leave it unset for serials of any batches")
		}
		return set.GetBatchId(), set.GetSerials(), nil
	}
	return 0, nil, ocop.Invalid("target", "bắt buộc: batch_id (cả lô tem) hoặc stamps (các sê-ri)", "required: batch_id (a whole batch) or stamps (serials)")
}

// RevokeStamps implements estampv1.IssuanceServiceServer.
func (s *Service) RevokeStamps(ctx context.Context, req *estampv1.RevokeStampsRequest) (*estampv1.RevokeStampsResponse, error) {
	batchID, serials, err := revocationTarget(req)
	if err != nil {
		return nil, err
	}
	reason, err := ocop.Text("reason", req.GetReason(), true, ocop.MaxReasonLength)
	if err != nil {
		return nil, err
	}
	person, err := ocop.Text("actor", req.GetActor(), false, 100)
	if err != nil {
		return nil, err
	}
	actor := auth.Actor(ctx)
	if person != "" {
		actor += " (" + person + ")"
	}
	b, n, version, err := s.store.RevokeStamps(ctx, record.Revocation{
		BatchID: batchID, Serials: serials, Reason: reason, Change: audit.Change{Actor: actor, Time: s.now()},
	}, revocationEntry)
	// The store names the serials it was given; the request holds them
	// in stamps.
	var inv *ocop.InvalidError
	if errors.As(err, &inv) && inv.Field == "serials" {
		return nil, &ocop.InvalidError{Field: "stamps.serials", Reason: inv.Reason, ReasonVI: inv.ReasonVI}
	}
	if err != nil {
		return nil, err
	}
	return &estampv1.RevokeStampsResponse{Batch: b, RevokedCount: uint32(n), RevocationVersion: version}, nil
}

// revocationEntry is the audit entry of a revocation that revoked
// something: a recall of a batch, or stamps by serial.
func revocationEntry(r record.Revocation, done record.Revoked) audit.Entry {
	if len(r.Serials) == 0 {
		return audit.Entry{Action: audit.BatchRevoke, Target: strconv.FormatUint(done.Batch.Id, 10), Detail: r.Reason}
	}
	target := "serials"
	if done.Batch != nil {
		target = strconv.FormatUint(done.Batch.Id, 10)
	}
	return audit.Entry{Action: audit.StampsRevoke, Target: target, Detail: fmt.Sprintf("%d stamps (%s), revocation list %s: %s", done.Count, serialSpan(r.Serials), versionSpan(done.Versions), r.Reason)}
}

// versionSpan names revocation-list versions briefly for the audit log.
func versionSpan(versions []uint64) string {
	if len(versions) == 1 {
		return "version " + strconv.FormatUint(versions[0], 10)
	}
	return fmt.Sprintf("versions %d-%d", versions[0], versions[len(versions)-1])
}

// serialSpan names revoked serials briefly for the audit log.
func serialSpan(serials []uint64) string {
	if len(serials) == 1 {
		return strconv.FormatUint(serials[0], 10)
	}
	lo, hi := serials[0], serials[0]
	for _, s := range serials {
		lo, hi = min(lo, s), max(hi, s)
	}
	return fmt.Sprintf("%d of %d-%d", len(serials), lo, hi)
}
