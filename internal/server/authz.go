package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"

	storagev1 "github.com/ocopvn/estamp/gen/estamp/storage/v1"
	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/account"
	"github.com/ocopvn/estamp/internal/auth"
	"github.com/ocopvn/estamp/internal/issuance"
	"github.com/ocopvn/estamp/internal/labels"
	"github.com/ocopvn/estamp/internal/ratelimit"
	"github.com/ocopvn/estamp/internal/verify"
)

// rule says who may call one method. Admins may call every method; the
// other roles only where the rule has an owner check for them.
type rule struct {
	// public methods need no token: verification, keys, the revocation
	// list, health and reflection.
	public bool
	// limited public methods are rate-limited per client when called
	// without a token.
	limited bool
	// producer, when set, admits producer tokens for the producers it
	// returns: all of them must be the token's. anyProducer admits all.
	producer func(ctx context.Context, o owners, req any) ([]string, error)
	// retailer, when set, admits retailer tokens for the retailer the
	// request names.
	retailer func(req any) string
	// codes, when set, is how many codes the call will sign or render, as
	// far as the request tells before the work starts; it is charged to
	// the caller's token (see authorizer.charge). 0 charges nothing, e.g.
	// for a request the service will refuse.
	codes func(ctx context.Context, o owners, req any) uint64
}

// owners finds who owns what a request names.
type owners interface {
	Product(ctx context.Context, id string) (*estampv1.Product, error)
	Batch(ctx context.Context, id uint64) (*estampv1.Batch, error)
	ProductsOfSerials(ctx context.Context, serials []uint64) ([]string, error)
}

// tokens finds API tokens by id.
type tokens interface {
	Token(ctx context.Context, id string) (*storagev1.TokenRecord, error)
}

// sessions finds the console's signed-in people by session id.
type sessions interface {
	Session(ctx context.Context, id string) (*account.Session, error)
}

func anyProducer(context.Context, owners, any) ([]string, error) { return nil, nil }

func productOwner(ctx context.Context, o owners, productID string) ([]string, error) {
	p, err := o.Product(ctx, productID)
	if err != nil {
		return nil, err
	}
	return []string{p.ProducerId}, nil
}

func batchOwner(ctx context.Context, o owners, batchID uint64) ([]string, error) {
	b, err := o.Batch(ctx, batchID)
	if err != nil {
		return nil, err
	}
	return productOwner(ctx, o, b.ProductId)
}

func serialOwners(ctx context.Context, o owners, serials []uint64) ([]string, error) {
	products, err := o.ProductsOfSerials(ctx, serials)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, id := range products {
		p, err := productOwner(ctx, o, id)
		if err != nil {
			return nil, err
		}
		out = append(out, p...)
	}
	return out, nil
}

// batchSize is the quantity of the batch batchID, or 0 if there is none.
func batchSize(ctx context.Context, o owners, batchID uint64) uint64 {
	b, err := o.Batch(ctx, batchID)
	if err != nil {
		return 0
	}
	return uint64(b.Quantity)
}

var (
	adminOnly = rule{}
	public    = rule{public: true}
	limited   = rule{public: true, limited: true}
)

// rules is the access table: every method the server registers must be in
// it (TestAccessTableCoversEveryMethod), and a method missing from it is
// refused.
var rules = map[string]rule{
	estampv1.RegistryService_CreateProducer_FullMethodName:      adminOnly,
	estampv1.RegistryService_ListProducers_FullMethodName:       adminOnly,
	estampv1.RegistryService_CreateProduct_FullMethodName:       adminOnly,
	estampv1.RegistryService_UpdateCertification_FullMethodName: adminOnly,
	estampv1.RegistryService_CreateRetailer_FullMethodName:      adminOnly,
	estampv1.RegistryService_ListRetailers_FullMethodName:       adminOnly,

	// What the stamp page shows buyers of a product besides its
	// certificate: the office's to change, like the rest of the registry.
	estampv1.RegistryService_SetProductPhoto_FullMethodName:       adminOnly,
	estampv1.RegistryService_SetProductDescription_FullMethodName: adminOnly,

	estampv1.RegistryService_GetProducer_FullMethodName: {producer: func(_ context.Context, _ owners, req any) ([]string, error) {
		return []string{req.(*estampv1.GetProducerRequest).GetId()}, nil
	}},
	estampv1.RegistryService_GetProduct_FullMethodName: {producer: func(ctx context.Context, o owners, req any) ([]string, error) {
		return productOwner(ctx, o, req.(*estampv1.GetProductRequest).GetId())
	}},
	// A producer lists its own products: it must filter by itself.
	estampv1.RegistryService_ListProducts_FullMethodName: {producer: func(_ context.Context, _ owners, req any) ([]string, error) {
		return []string{req.(*estampv1.ListProductsRequest).GetProducerId()}, nil
	}},
	estampv1.RegistryService_GetRetailer_FullMethodName: {retailer: func(req any) string {
		return req.(*estampv1.GetRetailerRequest).GetId()
	}},

	estampv1.IssuanceService_IssueStamps_FullMethodName: {producer: func(ctx context.Context, o owners, req any) ([]string, error) {
		return productOwner(ctx, o, req.(*estampv1.IssueStampsRequest).GetProductId())
	}},
	estampv1.IssuanceService_GetBatch_FullMethodName: {producer: func(ctx context.Context, o owners, req any) ([]string, error) {
		return batchOwner(ctx, o, req.(*estampv1.GetBatchRequest).GetId())
	}},
	// Streaming signs every code it sends: charged what it will send.
	estampv1.IssuanceService_StreamStamps_FullMethodName: {
		producer: func(ctx context.Context, o owners, req any) ([]string, error) {
			return batchOwner(ctx, o, req.(*estampv1.StreamStampsRequest).GetBatchId())
		},
		codes: func(ctx context.Context, o owners, req any) uint64 {
			r := req.(*estampv1.StreamStampsRequest)
			b, err := o.Batch(ctx, r.GetBatchId())
			if err != nil {
				return 0
			}
			_, n, err := issuance.StreamRange(b, r.FromSerial)
			if err != nil {
				return 0
			}
			return uint64(n)
		},
	},
	estampv1.IssuanceService_ListBatches_FullMethodName: {producer: func(ctx context.Context, o owners, req any) ([]string, error) {
		return productOwner(ctx, o, req.(*estampv1.ListBatchesRequest).GetProductId())
	}},
	estampv1.InsightService_ExportEvents_FullMethodName: {producer: func(ctx context.Context, o owners, req any) ([]string, error) {
		return productOwner(ctx, o, req.(*estampv1.ExportEventsRequest).GetProductId())
	}},
	estampv1.IssuanceService_ActivateStamps_FullMethodName: {producer: func(ctx context.Context, o owners, req any) ([]string, error) {
		return batchOwner(ctx, o, req.(*estampv1.ActivateStampsRequest).GetBatchId())
	}},
	estampv1.IssuanceService_RevokeStamps_FullMethodName: {producer: func(ctx context.Context, o owners, req any) ([]string, error) {
		switch t := req.(*estampv1.RevokeStampsRequest).GetTarget().(type) {
		case *estampv1.RevokeStampsRequest_BatchId:
			if t.BatchId != 0 {
				return batchOwner(ctx, o, t.BatchId)
			}
		case *estampv1.RevokeStampsRequest_Stamps:
			if id := t.Stamps.GetBatchId(); id != 0 {
				// The store refuses serials outside the named batch.
				return batchOwner(ctx, o, id)
			}
			return serialOwners(ctx, o, t.Stamps.GetSerials())
		}
		// No target, or batch 0, names nothing of anyone's: the service
		// refuses it with InvalidArgument naming the field, as it does
		// the office's.
		return nil, nil
	}},

	estampv1.VerificationService_Verify_FullMethodName:         limited,
	estampv1.VerificationService_ListIssuerKeys_FullMethodName: limited,
	estampv1.VerificationService_GetTrustList_FullMethodName:   limited,

	estampv1.LabelService_ListLabelLayouts_FullMethodName: {producer: anyProducer},
	// Rendering signs and draws every label of the batch.
	estampv1.LabelService_RenderLabels_FullMethodName: {
		producer: func(ctx context.Context, o owners, req any) ([]string, error) {
			return batchOwner(ctx, o, req.(*estampv1.RenderLabelsRequest).GetBatchId())
		},
		codes: func(ctx context.Context, o owners, req any) uint64 {
			r := req.(*estampv1.RenderLabelsRequest)
			// A job the service refuses (no format, say) renders nothing.
			if _, err := labels.JobFromRequest(r); err != nil {
				return 0
			}
			return batchSize(ctx, o, r.GetBatchId())
		},
	},

	estampv1.CustodyService_ReceiveDelivery_FullMethodName: {retailer: func(req any) string {
		return req.(*estampv1.ReceiveDeliveryRequest).GetRetailerId()
	}},
	// Describing a code records nothing, but it is a shop's tool: a
	// buyer has Verify and the stamp page.
	estampv1.CustodyService_DescribeCode_FullMethodName: {retailer: func(req any) string {
		return req.(*estampv1.DescribeCodeRequest).GetRetailerId()
	}},
	// A shop sells as itself, as it takes deliveries in.
	estampv1.CustodyService_RecordSale_FullMethodName: {retailer: func(req any) string {
		return req.(*estampv1.RecordSaleRequest).GetRetailerId()
	}},
	estampv1.CustodyService_GetStampHistory_FullMethodName: {producer: func(ctx context.Context, o owners, req any) ([]string, error) {
		return serialOwners(ctx, o, []uint64{req.(*estampv1.GetStampHistoryRequest).GetSerial()})
	}},
	estampv1.CustodyService_ListRevocations_FullMethodName: limited,
	// Another province's estampd reports its shops' receipts: the report's
	// signature by a key of the trust list is the credential, as no token
	// is shared between provinces; limited like every call without one.
	estampv1.CustodyService_ReportReceipts_FullMethodName: limited,

	estampv1.AdminService_CreateToken_FullMethodName:        adminOnly,
	estampv1.AdminService_ListTokens_FullMethodName:         adminOnly,
	estampv1.AdminService_RevokeToken_FullMethodName:        adminOnly,
	estampv1.AdminService_RotateKey_FullMethodName:          adminOnly,
	estampv1.AdminService_RetireKey_FullMethodName:          adminOnly,
	estampv1.AdminService_MarkKeyCompromised_FullMethodName: adminOnly,
	estampv1.AdminService_ListAuditEntries_FullMethodName:   adminOnly,
	estampv1.AdminService_VerifyAuditLog_FullMethodName:     adminOnly,
	// Backup is not charged to the code budget: it signs nothing (its cost
	// is one read transaction and the file's bytes, not CPU per code), only
	// admins may call it, and an admin can create tokens, so a per-token
	// budget would not bind one anyway.
	estampv1.AdminService_Backup_FullMethodName:               adminOnly,
	estampv1.AdminService_CreateAccount_FullMethodName:        adminOnly,
	estampv1.AdminService_ListAccounts_FullMethodName:         adminOnly,
	estampv1.AdminService_ResetAccountPassword_FullMethodName: adminOnly,
	estampv1.AdminService_DisableAccount_FullMethodName:       adminOnly,

	// The office's summary covers every producer and retailer.
	estampv1.InsightService_GetOverview_FullMethodName: adminOnly,
	// A producer reads its own report, of any of its products.
	estampv1.InsightService_GetScanReport_FullMethodName: {producer: func(ctx context.Context, o owners, req any) ([]string, error) {
		r := req.(*estampv1.GetScanReportRequest)
		if r.GetProductId() == "" {
			return []string{r.GetProducerId()}, nil
		}
		product, err := productOwner(ctx, o, r.GetProductId())
		return append(product, r.GetProducerId()), err
	}},
	// A producer lists its own flags: it must filter by itself.
	estampv1.InsightService_ListFlags_FullMethodName: {producer: func(_ context.Context, _ owners, req any) ([]string, error) {
		return []string{req.(*estampv1.ListFlagsRequest).GetProducerId()}, nil
	}},
	// The office's alone, though the serial has an owner: a flag is the
	// office's lead on a copy, and the producer whose label was copied
	// (or who sold the same stamp twice) must not be the one to close it.
	estampv1.InsightService_ReviewFlag_FullMethodName: adminOnly,
	estampv1.InsightService_ListDeliveries_FullMethodName: {retailer: func(req any) string {
		return req.(*estampv1.ListDeliveriesRequest).GetRetailerId()
	}},
	estampv1.InsightService_GetDelivery_FullMethodName: {retailer: func(req any) string {
		return req.(*estampv1.GetDeliveryRequest).GetRetailerId()
	}},

	healthpb.Health_Check_FullMethodName: public,
	healthpb.Health_Watch_FullMethodName: public,
	healthpb.Health_List_FullMethodName:  public,
	// The API is published with the source; reflection reveals nothing
	// more and lets grpcurl users verify codes without a token.
	reflectionv1.ServerReflection_ServerReflectionInfo_FullMethodName:      public,
	reflectionv1alpha.ServerReflection_ServerReflectionInfo_FullMethodName: public,
}

// authorizer runs the access table for every call.
type authorizer struct {
	tokens tokens
	// sessions, set only on the console's in-process server, admits
	// "authorization: Session <id>": a person signed in to the console
	// acts with their account's role, through this same table. The
	// network server has none, so a session id is no credential there.
	sessions sessions
	owners   owners
	limiter  *ratelimit.Limiter
	// codes is each token's budget of codes signed or rendered (rule.codes);
	// nil for none.
	codes *ratelimit.Limiter
	// codeRate and codeBurst are the budget's terms, for the message of a
	// refusal.
	codeRate  float64
	codeBurst int
	log       *slog.Logger
}

// admit authenticates a call and checks its role. It returns the context
// carrying the principal, and what is still to run on the request: the
// owner check and the charge to the token's code budget (nil when
// neither is needed).
func (a *authorizer) admit(ctx context.Context, method string) (context.Context, func(req any) error, error) {
	r, ok := rules[method]
	if !ok {
		a.log.Error("method missing from the access table", "method", method)
		return nil, nil, auth.Denied("phương thức này không mở cho ai", "this method is not open to anyone")
	}
	p, hasToken, err := a.authenticate(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !hasToken {
		if !r.public {
			return nil, nil, auth.Unauthenticated("lệnh này cần token API (authorization: Bearer ...)", "this call needs an API token (authorization: Bearer ...)")
		}
		if r.limited {
			if err := a.limiter.Allow(clientOf(ctx)); err != nil {
				return nil, nil, err
			}
		}
		// Without a token a caller is counted as a person scanning: the
		// same client checking the same stamp again soon is one scan.
		ua := strings.Join(metadata.ValueFromIncomingContext(ctx, "user-agent"), " ")
		return verify.WithCaller(ctx, verify.Caller{Client: clientOf(ctx) + "\x00" + ua}), nil, nil
	}
	ctx = auth.WithPrincipal(ctx, p)
	setPrincipal(ctx, p.String())
	owner, err := a.ownerCheck(ctx, r, p, method)
	if err != nil {
		return nil, nil, err
	}
	charge := a.charge(ctx, r, p)
	switch {
	case owner == nil:
		return ctx, charge, nil
	case charge == nil:
		return ctx, owner, nil
	}
	// The owner first: a call that is refused anyway costs nothing, and a
	// producer learns nothing of another's batch from a budget refusal.
	return ctx, func(req any) error {
		if err := owner(req); err != nil {
			return err
		}
		return charge(req)
	}, nil
}

// ownerCheck is the check a token of role p.Role must pass on the request
// under rule r: nil when none is needed (admins, public methods), an error
// when the role may not call the method at all. The check reads the store
// under ctx, the call's.
func (a *authorizer) ownerCheck(ctx context.Context, r rule, p auth.Principal, method string) (func(req any) error, error) {
	if r.public || p.Role == estampv1.Role_ROLE_ADMIN {
		return nil, nil
	}
	deny := func() error {
		a.log.Info("permission denied", "method", method, "principal", p.String())
		return auth.Denied("token này không được làm việc này với đối tượng đã nêu", "this token may not make this call on what it names")
	}
	switch {
	case p.Role == estampv1.Role_ROLE_PRODUCER && r.producer != nil:
		return func(req any) error {
			ids, err := r.producer(ctx, a.owners, req)
			// Not found is denied like someone else's: a producer must
			// not learn what exists.
			if err != nil {
				return deny()
			}
			for _, id := range ids {
				if id != p.ProducerID {
					return deny()
				}
			}
			return nil
		}, nil
	case p.Role == estampv1.Role_ROLE_RETAILER && r.retailer != nil:
		return func(req any) error {
			if r.retailer(req) != p.RetailerID {
				return deny()
			}
			return nil
		}, nil
	}
	return nil, deny()
}

// charge takes what a call will sign or render from its token's budget,
// before the work starts, so that one token — a leaked one, or a script in
// a loop — cannot keep the server's cores signing codes. Every role is
// charged, the office too; callers without a token cannot make these
// calls. nil when the method costs nothing or there is no budget.
func (a *authorizer) charge(ctx context.Context, r rule, p auth.Principal) func(req any) error {
	if r.codes == nil || a.codes == nil {
		return nil
	}
	return func(req any) error {
		n := r.codes(ctx, a.owners, req)
		if n == 0 {
			return nil
		}
		err := a.codes.AllowN(p.Credential(), float64(n))
		var ex *ratelimit.ExceededError
		if errors.As(err, &ex) {
			a.log.Warn("token code budget spent", "principal", p.String(), "codes", n)
			ex.Reason = fmt.Sprintf("this call would sign %d codes, more than this API token may have signed now (a budget of %d codes, refilled at %g a second)", n, a.codeBurst, a.codeRate)
			ex.ReasonVI = fmt.Sprintf("lệnh này sẽ ký %d mã, nhiều hơn số token API này được ký lúc này (hạn mức %d mã, nạp lại %g mã mỗi giây)", n, a.codeBurst, a.codeRate)
		}
		return err
	}
}

// authenticate reads the bearer token, if any.
func (a *authorizer) authenticate(ctx context.Context) (auth.Principal, bool, error) {
	// One key, not a copy of all the metadata: every call comes here.
	vals := metadata.ValueFromIncomingContext(ctx, "authorization")
	if len(vals) == 0 {
		return auth.Principal{}, false, nil
	}
	bad := auth.Unauthenticated("token API không hợp lệ hoặc đã bị thu hồi", "invalid or revoked API token")
	scheme, token, ok := strings.Cut(vals[0], " ")
	token = strings.TrimSpace(token)
	if a.sessions != nil && ok && len(vals) == 1 && scheme == "Session" {
		sess, err := a.sessions.Session(ctx, token)
		if err != nil {
			return auth.Principal{}, false, auth.Unauthenticated("đã đăng xuất: hãy đăng nhập lại", "signed out: sign in again")
		}
		return sess.Principal(), true, nil
	}
	if len(vals) > 1 || !ok || !strings.EqualFold(scheme, "Bearer") {
		return auth.Principal{}, false, auth.Unauthenticated("authorization phải là đúng một \"Bearer <token>\"", "authorization must be one \"Bearer <token>\"")
	}
	id, err := auth.ParseToken(token)
	if err != nil {
		return auth.Principal{}, false, bad
	}
	rec, err := a.tokens.Token(ctx, id)
	if err != nil || !auth.Matches(token, rec.SecretSha256) || rec.RevokeUnixNano != 0 {
		return auth.Principal{}, false, bad
	}
	return auth.Principal{TokenID: rec.Id, Role: estampv1.Role(rec.Role), ProducerID: rec.ProducerId, RetailerID: rec.RetailerId}, true, nil
}

// clientOf names the caller for rate limiting: its IP address.
func clientOf(ctx context.Context) string {
	p, ok := peer.FromContext(ctx)
	if !ok || p.Addr == nil {
		return ""
	}
	return hostOf(p.Addr.String())
}

func hostOf(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

func (a *authorizer) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	ctx, check, err := a.admit(ctx, info.FullMethod)
	if err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(req); err != nil {
			return nil, err
		}
	}
	return handler(ctx, req)
}

func (a *authorizer) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	ctx, check, err := a.admit(ss.Context(), info.FullMethod)
	if err != nil {
		return err
	}
	return handler(srv, &checkedStream{ServerStream: ss, ctx: ctx, check: check})
}

// checkedStream carries the principal and runs the owner check on the
// first message, which for our server-streaming methods is the request.
type checkedStream struct {
	grpc.ServerStream
	ctx   context.Context
	check func(req any) error
}

func (s *checkedStream) Context() context.Context { return s.ctx }

func (s *checkedStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	if s.check != nil {
		check := s.check
		s.check = nil
		return check(m)
	}
	return nil
}

// InAccessTable reports whether a full method name has an access rule.
func InAccessTable(method string) bool {
	_, ok := rules[method]
	return ok
}
