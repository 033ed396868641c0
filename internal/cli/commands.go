package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"unicode/utf8"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/client"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/safefile"
)

func (a *app) producers(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usage(sayWantSub, "producers", "list | show | add")
	}
	fs := a.flags("producers " + args[0])
	switch args[0] {
	case "list":
		_, err := a.connect(fs, args[1:], 0, "producers list")
		if err != nil {
			return err
		}
		all, err := everyPage(a.pageSize, 0, func(size int32, token string) ([]*estampv1.Producer, string, error) {
			resp, err := a.Registry.ListProducers(ctx, &estampv1.ListProducersRequest{PageSize: size, PageToken: token})
			return resp.GetProducers(), resp.GetNextPageToken(), err
		})
		if err != nil {
			return err
		}
		if a.json {
			return a.printJSON(&estampv1.ListProducersResponse{Producers: all})
		}
		return a.producerTable(all)
	case "show":
		pos, err := a.connect(fs, args[1:], 1, "producers show ID")
		if err != nil {
			return err
		}
		resp, err := a.Registry.GetProducer(ctx, &estampv1.GetProducerRequest{Id: pos[0]})
		if err != nil {
			return err
		}
		if a.json {
			return a.printJSON(resp.Producer)
		}
		return a.producerDetails(resp.Producer)
	case "add":
		p := &estampv1.Producer{Address: &estampv1.Address{}}
		var kind string
		fs.StringVar(&p.Id, "id", "", "producer id (A-Z a-z 0-9 . _ -)")
		fs.StringVar(&p.Name, "name", "", "name, e.g. \"Hợp tác xã Nem chua Thanh Hóa\"")
		fs.StringVar(&kind, "kind", "", "cooperative | enterprise | household | group")
		fs.StringVar(&p.TaxCode, "tax-code", "", "tax code (optional)")
		fs.StringVar(&p.Address.Province, "province", "", "province, e.g. \"Thanh Hóa\"")
		fs.StringVar(&p.Address.Commune, "commune", "", "commune or ward")
		fs.StringVar(&p.Address.Street, "street", "", "street or village line (optional)")
		fs.StringVar(&p.Address.LegacyDistrict, "legacy-district", "", "pre-2025 district (optional)")
		fs.StringVar(&p.Phone, "phone", "", "phone (optional)")
		fs.StringVar(&p.Gln, "gln", "", "GS1 GLN of the premises, 13 digits (optional)")
		allowSameName := fs.Bool("allow-duplicate-name", false, "register it even if another producer has the same name")
		pos, err := parse(fs, args[1:])
		if err != nil {
			return err
		}
		if err := needArgs(pos, 0, "producers add --id ID --name TEXT --kind KIND --province TEXT --commune TEXT"); err != nil {
			return err
		}
		if p.Kind, err = producerKind(kind); err != nil {
			return err
		}
		if err := a.dial(); err != nil {
			return err
		}
		resp, err := a.Registry.CreateProducer(ctx, &estampv1.CreateProducerRequest{Producer: p, AllowDuplicateName: *allowSameName})
		if err != nil {
			return err
		}
		if a.json {
			return a.printJSON(resp.Producer)
		}
		return a.producerDetails(resp.Producer)
	}
	return wantWord("producers", args[0], "list", "show", "add")
}

func (a *app) products(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usage(sayWantSub, "products", "list | show | add | renew | revoke")
	}
	fs := a.flags("products " + args[0])
	switch args[0] {
	case "list":
		var producer string
		fs.StringVar(&producer, "producer", "", "only products of this producer")
		_, err := a.connect(fs, args[1:], 0, "products list [--producer ID]")
		if err != nil {
			return err
		}
		if producer == "" {
			// The server lists every product to the office only: a
			// producer's token is refused, and no call tells the CLI
			// whose token it is, so the refusal says what to type.
			a.denied = &sayProductsOfProducer
		}
		all, err := everyPage(a.pageSize, 0, func(size int32, token string) ([]*estampv1.Product, string, error) {
			resp, err := a.Registry.ListProducts(ctx, &estampv1.ListProductsRequest{PageSize: size, PageToken: token, ProducerId: producer})
			return resp.GetProducts(), resp.GetNextPageToken(), err
		})
		if err != nil {
			return err
		}
		if a.json {
			return a.printJSON(&estampv1.ListProductsResponse{Products: all})
		}
		return a.productTable(all)
	case "show":
		pos, err := a.connect(fs, args[1:], 1, "products show ID")
		if err != nil {
			return err
		}
		resp, err := a.Registry.GetProduct(ctx, &estampv1.GetProductRequest{Id: pos[0]})
		if err != nil {
			return err
		}
		return a.showProduct(resp.Product)
	case "add":
		p := &estampv1.Product{Certificate: &estampv1.Certificate{}}
		var group, authority string
		var stars int
		fs.StringVar(&p.Id, "id", "", "product id (A-Z a-z 0-9 . _ -)")
		fs.StringVar(&p.ProducerId, "producer", "", "producer id")
		fs.StringVar(&p.Name, "name", "", "name, e.g. \"Chè lam Phủ Quảng\"")
		fs.StringVar(&group, "group", "", "food | beverage | herbal | handicraft | ornamental | tourism")
		fs.IntVar(&stars, "stars", 0, "star grade 1-5")
		fs.StringVar(&p.Gtin, "gtin", "", "barcode number: GTIN-8, -12, -13 or -14 (optional)")
		certFlags(fs, p.Certificate, &authority)
		pos, err := parse(fs, args[1:])
		if err != nil {
			return err
		}
		if err := needArgs(pos, 0, "products add --id ID --producer ID --name TEXT --group GROUP --stars N --decision NO --decision-date D"); err != nil {
			return err
		}
		p.StarGrade = int32(stars)
		if p.Group, err = productGroup(group); err != nil {
			return err
		}
		if p.Certificate.Authority, err = certAuthority(authority); err != nil {
			return err
		}
		if err := a.dial(); err != nil {
			return err
		}
		resp, err := a.Registry.CreateProduct(ctx, &estampv1.CreateProductRequest{Product: p})
		if err != nil {
			return err
		}
		return a.showProduct(resp.Product)
	case "renew":
		r := &estampv1.Renewal{Certificate: &estampv1.Certificate{}}
		var authority string
		var stars int
		fs.IntVar(&stars, "stars", 0, "new star grade 1-5")
		certFlags(fs, r.Certificate, &authority)
		force := fs.Bool("force", false, "renew even if the certificate would already be expired or end before stamps already issued")
		pos, err := parse(fs, args[1:])
		if err != nil {
			return err
		}
		if err := needArgs(pos, 1, "products renew ID --stars N --decision NO --decision-date D"); err != nil {
			return err
		}
		r.StarGrade = int32(stars)
		if r.Certificate.Authority, err = certAuthority(authority); err != nil {
			return err
		}
		return a.updateCert(ctx, &estampv1.UpdateCertificationRequest{ProductId: pos[0], Change: &estampv1.UpdateCertificationRequest_Renewal{Renewal: r}, Force: *force})
	case "revoke":
		var reason string
		fs.StringVar(&reason, "reason", "", "why the certificate is revoked")
		pos, err := parse(fs, args[1:])
		if err != nil {
			return err
		}
		if err := needArgs(pos, 1, "products revoke ID --reason TEXT"); err != nil {
			return err
		}
		return a.updateCert(ctx, &estampv1.UpdateCertificationRequest{ProductId: pos[0], Change: &estampv1.UpdateCertificationRequest_Revocation{Revocation: &estampv1.Revocation{Reason: reason}}})
	}
	return wantWord("products", args[0], "list", "show", "add", "renew", "revoke")
}

func (a *app) updateCert(ctx context.Context, req *estampv1.UpdateCertificationRequest) error {
	if err := a.dial(); err != nil {
		return err
	}
	resp, err := a.Registry.UpdateCertification(ctx, req)
	if err != nil {
		return err
	}
	return a.showProduct(resp.Product)
}

func (a *app) showProduct(p *estampv1.Product) error {
	if a.json {
		return a.printJSON(p)
	}
	return a.productDetails(p)
}

func (a *app) issue(ctx context.Context, args []string) error {
	fs := a.flags("issue")
	req := &estampv1.IssueStampsRequest{}
	var quantity uint
	var out string
	var force, inactive bool
	fs.StringVar(&req.ProductId, "product", "", "product id")
	fs.BoolVar(&inactive, "inactive", false, "a roll printed ahead, without lot or dates: its stamps are not valid until estamp activate")
	fs.StringVar(&req.Lot, "lot", "", "lot number (số lô)")
	fs.StringVar(&req.ProductionDate, "production-date", ocop.FormatDate(ocop.Today(a.now())), "production date: YYYY-MM-DD, a day in Vietnam (UTC+7)")
	fs.StringVar(&req.ExpiryDate, "expiry-date", "", "expiry date: YYYY-MM-DD (optional)")
	fs.UintVar(&quantity, "quantity", 0, "number of stamps, 1-100000")
	fs.StringVar(&req.RequestId, "request-id", "", "idempotency key; reuse it to retry safely (default: random)")
	fs.StringVar(&out, "out", "", "write the codes to this file, one per line (without it, only the batch is printed)")
	fs.BoolVar(&force, "force", false, "replace --out if it exists")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(pos, 0, "issue --product ID --lot LOT --quantity N"); err != nil {
		return err
	}
	// A flag the command cannot do without, not given, is a usage error
	// found before anything is dialled or issued; the values given are
	// the server's to judge (--quantity 0 is its InvalidArgument).
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	needed := []string{"product", "lot", "quantity"}
	if inactive {
		for _, name := range []string{"lot", "production-date", "expiry-date"} {
			if given[name] {
				return usage(sayIssueInactive, name)
			}
		}
		needed, req.ProductionDate = []string{"product", "quantity"}, ""
	}
	for _, name := range needed {
		if !given[name] {
			return usage(sayIssueNeeds, name)
		}
	}
	if quantity > 1<<31 {
		return usage(sayQuantityTooLarge, quantity)
	}
	req.Quantity = uint32(quantity)
	if req.RequestId == "" {
		req.RequestId = newRequestID()
	}
	var file *safefile.File
	if out != "" {
		// Before the batch exists: a missing or read-only directory, or a
		// file already there, must stop the command while nothing has been
		// issued, or a second run would issue a second batch.
		if file, err = safefile.Create(out, 0o644, force); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		defer file.Abort()
	}
	if err := a.dial(); err != nil {
		return err
	}
	resp, err := a.Issuance.IssueStamps(ctx, req)
	if err != nil {
		return err
	}
	if file != nil {
		// From here on the batch exists: whatever fails, streaming or
		// writing, the person must learn which batch it was.
		if err := a.writeCodes(ctx, file, resp.Batch.Id); err != nil {
			return a.unwritten(req, resp.Batch, out, err)
		}
	}
	if a.json {
		return a.printJSON(resp)
	}
	b := resp.Batch
	if file != nil {
		// The codes are in the file: a few lines say what was issued
		// and what comes next.
		product := b.ProductId
		if p, err := a.Registry.GetProduct(ctx, &estampv1.GetProductRequest{Id: b.ProductId}); err == nil {
			product = p.Product.GetName() + " (" + b.ProductId + ")"
		}
		fmt.Fprint(a.out, a.say(sayIssuedTo, b.Id, b.Quantity, serials(b.FirstSerial, b.Quantity), product, b.Lot, out, b.Id))
		return nil
	}
	if err := a.batchDetails(b); err != nil {
		return err
	}
	// A batch can hold 100,000 codes: they go to a file, not the terminal.
	fmt.Fprint(a.out, a.say(sayIssuedNext, b.Id, b.Id))
	return nil
}

// writeCodes streams the codes of a batch into file, one per line, and
// puts the file in place once all of them are there.
func (a *app) writeCodes(ctx context.Context, file *safefile.File, batchID uint64) error {
	w := bufio.NewWriter(file)
	_, err := client.Stamps(ctx, a.Issuance, batchID, func(_ *estampv1.Batch, _ uint32, stamps []*estampv1.Stamp) error {
		for _, s := range stamps {
			w.WriteString(s.Code)
			w.WriteByte('\n')
		}
		// bufio keeps the first write error and returns it from every
		// later call: Flush at the end reports it.
		return nil
	})
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return a.commit(file)
}

// unwritten reports a batch that was issued but whose codes could not be
// written to --out: the batch exists, so the person must learn its id and
// how to get the codes without issuing another batch.
func (a *app) unwritten(req *estampv1.IssueStampsRequest, b *estampv1.Batch, out string, err error) error {
	fmt.Fprint(a.stderr, a.say(sayUnwritten, b.Id, b.Quantity, req.RequestId, out, a.describe(err), req.ProductionDate))
	return wrapped(err, sayUnwrittenError, b.Id, out)
}

func (a *app) batches(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usage(sayWantSub, "batches", "list | show | revoke")
	}
	fs := a.flags("batches " + args[0])
	switch args[0] {
	case "list":
		var product string
		fs.StringVar(&product, "product", "", "product id")
		_, err := a.connect(fs, args[1:], 0, "batches list --product ID")
		if err != nil {
			return err
		}
		if product == "" {
			return usage(sayBatchesNeedProduct)
		}
		if err != nil {
			return err
		}
		all, err := everyPage(a.pageSize, 0, func(size int32, token string) ([]*estampv1.Batch, string, error) {
			resp, err := a.Issuance.ListBatches(ctx, &estampv1.ListBatchesRequest{ProductId: product, PageSize: size, PageToken: token})
			return resp.GetBatches(), resp.GetNextPageToken(), err
		})
		if err != nil {
			return err
		}
		if a.json {
			return a.printJSON(&estampv1.ListBatchesResponse{Batches: all})
		}
		return a.batchTable(all)
	case "show":
		var codes bool
		fs.BoolVar(&codes, "codes", false, "list every stamp's code, streamed from the server")
		id, err := a.connectNumber(fs, args[1:], "batches show ID")
		if err != nil {
			return err
		}
		if codes {
			return a.showCodes(ctx, id)
		}
		resp, err := a.Issuance.GetBatch(ctx, &estampv1.GetBatchRequest{Id: id})
		if err != nil {
			return err
		}
		if a.json {
			return a.printJSON(resp)
		}
		return a.batchDetails(resp.Batch, resp)
	case "revoke":
		var reason, actor string
		var serials []uint64
		fs.StringVar(&reason, "reason", "", "why the stamps are revoked")
		fs.StringVar(&actor, "by", a.actor(), "who revokes, recorded with the revocation")
		fs.Var(serialsFlag{&serials, &a.lang}, "serial", "revoke only this serial of the batch (repeatable); default the whole batch")
		id, err := a.connectNumber(fs, args[1:], "batches revoke ID --reason TEXT")
		if err != nil {
			return err
		}
		req := &estampv1.RevokeStampsRequest{Target: &estampv1.RevokeStampsRequest_BatchId{BatchId: id}, Reason: reason, Actor: actor}
		if len(serials) > 0 {
			// Only serials of this batch: the server refuses any other.
			req.Target = &estampv1.RevokeStampsRequest_Stamps{Stamps: &estampv1.SerialSet{Serials: serials, BatchId: &id}}
		}
		resp, err := a.Issuance.RevokeStamps(ctx, req)
		if err != nil {
			return err
		}
		if a.json {
			return a.printJSON(resp)
		}
		fmt.Fprint(a.out, a.say(sayBatchRevoked, resp.RevokedCount, resp.Batch.Id))
		return nil
	}
	return wantWord("batches", args[0], "list", "show", "revoke")
}

// showCodes prints a batch and its codes as they stream in: a table, or
// with --json one document shaped as GetBatchResponse was, {"batch": …,
// "stamps": […]}, written as it comes rather than held in memory.
func (a *app) showCodes(ctx context.Context, id uint64) error {
	w := bufio.NewWriter(a.out)
	width := 0
	_, err := client.Stamps(ctx, a.Issuance, id, func(b *estampv1.Batch, _ uint32, stamps []*estampv1.Stamp) error {
		if width == 0 {
			// fmt pads to a width in runes, as the heading is counted.
			width = max(utf8.RuneCountInString(sayCodesSerial.in(a.lang)), len(ocop.ShowSerial(b.FirstSerial+uint64(b.Quantity)-1)))
			if a.json {
				batch, err := jsonOpts.Marshal(b)
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "{\n  \"batch\": %s,\n  \"stamps\": [", strings.ReplaceAll(string(batch), "\n", "\n  "))
			} else {
				if err := a.batchDetails(b); err != nil {
					return err
				}
				fmt.Fprintf(w, "\n%-*s  %s\n", width, sayCodesSerial.in(a.lang), sayCodesCode.in(a.lang))
			}
		}
		for _, s := range stamps {
			if a.json {
				code, _ := json.Marshal(s.Code)
				sep := ","
				if s.Serial == b.FirstSerial {
					sep = ""
				}
				fmt.Fprintf(w, "%s\n    {\"serial\": \"%d\", \"code\": %s}", sep, s.Serial, code)
			} else {
				fmt.Fprintf(w, "%-*s  %s\n", width, ocop.ShowSerial(s.Serial), s.Code)
			}
		}
		return nil
	})
	if err != nil {
		// What was printed is cut short: say so after it.
		w.Flush()
		return err
	}
	if a.json {
		fmt.Fprint(w, "\n  ]\n}\n")
	}
	return w.Flush()
}

// serialsFlag is a repeatable --serial into list, each typed as a label
// shows it ("1 234 567") or in plain digits. The flag package says an
// error of Set in words of its own around Set's: Set's are in lang.
type serialsFlag struct {
	list *[]uint64
	lang *ocop.Lang
}

func (s serialsFlag) String() string {
	if s.list == nil {
		return "[]"
	}
	return fmt.Sprint(*s.list)
}

func (s serialsFlag) Set(v string) error {
	n, err := ocop.ParseSerial("serial", v)
	if err != nil {
		return fmt.Errorf(sayNotASerial.in(*s.lang), v)
	}
	*s.list = append(*s.list, n)
	return nil
}

func (a *app) verify(ctx context.Context, args []string) error {
	fs := a.flags("verify")
	var offline bool
	// No backquotes: the flag package would print a quoted word as the
	// flag's value, as if --offline took one.
	fs.BoolVar(&offline, "offline", false, "check against the keys and revocations that estamp sync cached, without the server")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(pos, 1, "verify CODE"); err != nil {
		return err
	}
	// Nothing scanned is not a code to judge, online or offline.
	if strings.TrimSpace(pos[0]) == "" {
		return usage(sayEmptyCode)
	}
	if offline {
		return a.verifyOffline(pos[0])
	}
	if err := a.dial(); err != nil {
		return err
	}
	resp, err := a.Verification.Verify(ctx, &estampv1.VerifyRequest{Code: pos[0]})
	if err != nil {
		return err
	}
	if a.json {
		err = a.printJSON(resp)
	} else {
		err = a.verifyDetails(resp)
	}
	if err != nil {
		return err
	}
	if resp.Verdict != estampv1.Verdict_VERDICT_GENUINE {
		return &VerdictError{Verdict: resp.Verdict}
	}
	return nil
}

func (a *app) keys(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "list" {
		return usage(sayWantArgs, "keys list")
	}
	fs := a.flags("keys list")
	_, err := a.connect(fs, args[1:], 0, "keys list")
	if err != nil {
		return err
	}
	resp, err := a.Verification.ListIssuerKeys(ctx, &estampv1.ListIssuerKeysRequest{})
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(resp)
	}
	return a.keyTable(resp.Keys)
}
