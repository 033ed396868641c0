package cli

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/verdict"
)

var (
	kindNames = map[string]estampv1.ProducerKind{
		"cooperative": estampv1.ProducerKind_PRODUCER_KIND_COOPERATIVE,
		"enterprise":  estampv1.ProducerKind_PRODUCER_KIND_ENTERPRISE,
		"household":   estampv1.ProducerKind_PRODUCER_KIND_HOUSEHOLD_BUSINESS,
		"group":       estampv1.ProducerKind_PRODUCER_KIND_COOPERATIVE_GROUP,
	}
	groupNames = map[string]estampv1.ProductGroup{
		"food":       estampv1.ProductGroup_PRODUCT_GROUP_FOOD,
		"beverage":   estampv1.ProductGroup_PRODUCT_GROUP_BEVERAGE,
		"herbal":     estampv1.ProductGroup_PRODUCT_GROUP_HERBAL,
		"handicraft": estampv1.ProductGroup_PRODUCT_GROUP_HANDICRAFT,
		"ornamental": estampv1.ProductGroup_PRODUCT_GROUP_ORNAMENTAL,
		"tourism":    estampv1.ProductGroup_PRODUCT_GROUP_TOURISM_SERVICE,
	}
	authorityNames = map[string]estampv1.CertifyingAuthority{
		"":           estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_UNSPECIFIED,
		"provincial": estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_PROVINCIAL,
		"central":    estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_CENTRAL,
		"district":   estampv1.CertifyingAuthority_CERTIFYING_AUTHORITY_DISTRICT,
	}
)

func pick[T any](m map[string]T, flagName, v string) (T, error) {
	t, ok := m[strings.ToLower(strings.TrimSpace(v))]
	if !ok {
		names := make([]string, 0, len(m))
		for k := range m {
			if k != "" {
				names = append(names, k)
			}
		}
		return t, usage(sayWantOneOf, flagName, v, strings.Join(slices.Sorted(slices.Values(names)), ", "))
	}
	return t, nil
}

func producerKind(v string) (estampv1.ProducerKind, error) { return pick(kindNames, "kind", v) }
func productGroup(v string) (estampv1.ProductGroup, error) { return pick(groupNames, "group", v) }
func certAuthority(v string) (estampv1.CertifyingAuthority, error) {
	return pick(authorityNames, "authority", v)
}

func certFlags(fs *flag.FlagSet, c *estampv1.Certificate, authority *string) {
	fs.StringVar(&c.DecisionNumber, "decision", "", "decision number, e.g. 5445/QĐ-UBND")
	fs.StringVar(&c.DecisionDate, "decision-date", "", "decision date: YYYY-MM-DD")
	fs.StringVar(&c.ValidUntil, "valid-until", "", "last valid day: YYYY-MM-DD (default: the day before the decision's 36-month anniversary)")
	fs.StringVar(authority, "authority", "", "provincial | central | district (default from the grade)")
}

// Stars draws a grade as ★★★☆☆.
func Stars(n int32) string {
	if n < 0 || n > 5 {
		return fmt.Sprint(n)
	}
	return strings.Repeat("★", int(n)) + strings.Repeat("☆", 5-int(n))
}

// when is a moment as people read it in the run's language, in Vietnam's
// time: "15:04, 02/01/2006".
func (a *app) when(ts *timestamppb.Timestamp) string {
	if ts == nil {
		return "—"
	}
	return ocop.ShowTime(ts.AsTime(), a.lang)
}

// day is an API date (YYYY-MM-DD) as people read it: 02/01/2006 in
// Vietnamese, 2 Jan 2006 in English; "—" when there is none.
func (a *app) day(d string) string {
	if d == "" {
		return "—"
	}
	return ocop.ShowDate(d, a.lang)
}

// serials is a range of serials as a label shows them.
func serials(first uint64, n uint32) string {
	if n == 0 {
		return "—"
	}
	return ocop.ShowSerial(first) + " – " + ocop.ShowSerial(first+uint64(n)-1)
}

// maxRangesShown bounds the serial ranges a field lists: a batch with
// thousands of scattered revocations is one line, with a count of the rest.
const maxRangesShown = 20

// serialRanges lists ranges as "3, 5 – 8", and how many more there are.
func (a *app) serialRanges(rs []*estampv1.SerialRange) string {
	var parts []string
	for _, r := range rs[:min(len(rs), maxRangesShown)] {
		if r.First == r.Last {
			parts = append(parts, ocop.ShowSerial(r.First))
		} else {
			parts = append(parts, ocop.ShowSerial(r.First)+" – "+ocop.ShowSerial(r.Last))
		}
	}
	out := strings.Join(parts, ", ")
	if more := len(rs) - maxRangesShown; more > 0 {
		out += a.say(sayMoreRanges, more)
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// table writes a table whose columns are named by header, in the run's
// language (tab-separated).
func (a *app) table(header words, rows func(w *tabwriter.Writer)) error {
	w := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, header.in(a.lang))
	rows(w)
	return w.Flush()
}

// field is one line of a record: its name and its value.
type field struct {
	name  words
	value string
}

func (a *app) fields(fs ...field) error {
	w := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
	for _, f := range fs {
		fmt.Fprintf(w, "%s:\t%s\n", f.name.in(a.lang), f.value)
	}
	return w.Flush()
}

func (a *app) producerTable(list []*estampv1.Producer) error {
	return a.table(headProducers, func(w *tabwriter.Writer) {
		for _, p := range list {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", p.Id, p.Name, ocop.KindName(p.Kind, a.lang), p.GetAddress().GetCommune(), p.GetAddress().GetProvince())
		}
	})
}

func (a *app) producerDetails(p *estampv1.Producer) error {
	ad := p.GetAddress()
	return a.fields(
		field{fieldID, p.Id},
		field{fieldName, p.Name},
		field{fieldKind, ocop.KindName(p.Kind, a.lang)},
		field{fieldTaxCode, orDash(p.TaxCode)},
		field{fieldGLN, orDash(p.Gln)},
		field{fieldAddress, a.address(ad)},
		field{fieldPhone, orDash(p.Phone)},
		field{fieldRegistered, a.when(p.CreateTime)},
	)
}

func (a *app) address(ad *estampv1.Address) string {
	parts := []string{}
	for _, s := range []string{ad.GetStreet(), ad.GetCommune(), ad.GetProvince()} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	s := strings.Join(parts, ", ")
	if ad.GetLegacyDistrict() != "" {
		s += a.say(sayLegacyDistrict, ad.GetLegacyDistrict())
	}
	return s
}

func (a *app) productTable(list []*estampv1.Product) error {
	return a.table(headProducts, func(w *tabwriter.Writer) {
		for _, p := range list {
			c := p.GetCertificate()
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Id, p.Name, Stars(p.StarGrade), ocop.GroupName(p.Group, a.lang), c.GetDecisionNumber(), a.day(c.GetValidUntil()), ocop.StatusName(c.GetStatus(), a.lang))
		}
	})
}

// decision is a certificate's decision: its number, date and authority.
func (a *app) decision(c interface {
	GetDecisionNumber() string
	GetDecisionDate() string
	GetAuthority() estampv1.CertifyingAuthority
}) string {
	return a.say(sayDecision, c.GetDecisionNumber(), a.day(c.GetDecisionDate()), ocop.AuthorityName(c.GetAuthority(), a.lang))
}

func (a *app) productDetails(p *estampv1.Product) error {
	c := p.GetCertificate()
	fs := []field{
		{fieldID, p.Id},
		{fieldNumber, fmt.Sprint(p.Number)},
		{fieldName, p.Name},
		{fieldProducer, p.ProducerId},
		{fieldGroup, ocop.GroupName(p.Group, a.lang)},
		{fieldGTIN, orDash(p.Gtin)},
		{fieldGrade, Stars(p.StarGrade) + " OCOP"},
		{fieldDecision, a.decision(c)},
		{fieldValidUntil, a.day(c.GetValidUntil())},
		{fieldStatus, ocop.StatusName(c.GetStatus(), a.lang)},
	}
	if c.GetRevocationReason() != "" {
		fs = append(fs, field{fieldRevocationReason, c.GetRevocationReason()})
	}
	return a.fields(fs...)
}

// batchDetails shows a batch; with GetBatch's answer, also the serials of
// it revoked one by one and, for a roll printed ahead, its activations.
func (a *app) batchDetails(b *estampv1.Batch, more ...*estampv1.GetBatchResponse) error {
	lot := b.Lot
	if b.IssuedInactive {
		lot = a.say(sayPrintedAhead)
	}
	fs := []field{
		{fieldBatch, fmt.Sprint(b.Id)},
		{fieldProduct, b.ProductId},
		{fieldLot, lot},
		{fieldProductionDate, a.day(b.ProductionDate)},
		{fieldExpiryDate, a.day(b.ExpiryDate)},
		{fieldQuantity, fmt.Sprint(b.Quantity)},
		{fieldSerials, serials(b.FirstSerial, b.Quantity)},
		{fieldGrade, Stars(b.StarGrade)},
		{fieldDecision, b.CertificateDecisionNumber},
		{fieldKey, b.KeyId},
		{fieldIssued, a.when(b.IssueTime)},
	}
	if b.Revoked {
		fs = append(fs, field{fieldRevoked, b.RevocationReason})
	}
	for _, r := range more {
		if len(r.RevokedSerials) > 0 {
			fs = append(fs, field{fieldRevokedSerials, a.serialRanges(r.RevokedSerials)})
		}
		for i, act := range r.Activations {
			if i == maxRangesShown {
				fs = append(fs, field{fieldActivated, a.say(sayMoreRanges, len(r.Activations)-i)})
				break
			}
			fs = append(fs, field{fieldActivated, a.say(sayActivation, a.serialRanges(act.SerialRanges), act.Lot, a.day(act.ProductionDate), a.day(act.ExpiryDate))})
		}
	}
	return a.fields(fs...)
}

func (a *app) batchTable(list []*estampv1.Batch) error {
	return a.table(headBatches, func(w *tabwriter.Writer) {
		for _, b := range list {
			revoked := ""
			if b.Revoked {
				revoked = a.say(sayYes)
			}
			lot := b.Lot
			if b.IssuedInactive {
				lot = a.say(sayPrintedAheadShort)
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%d\t%s\t%s\t%s\n", b.Id, lot, a.day(b.ProductionDate), b.Quantity, serials(b.FirstSerial, b.Quantity), a.when(b.IssueTime), revoked)
		}
	})
}

func (a *app) verifyDetails(r *estampv1.VerifyResponse) error {
	message := r.Message
	if a.lang == ocop.EN {
		message = r.MessageEn
	}
	fmt.Fprintf(a.out, "%s\n%s\n", verdict.Tell(r.Verdict, r.Warnings).Label.In(a.lang), message)
	for _, w := range r.Warnings {
		fmt.Fprint(a.out, a.say(sayWarning, verdict.Warning(w).In(a.lang)))
	}
	if r.Product == nil {
		if r.KeyId != "" {
			fmt.Fprint(a.out, a.say(sayCodeSerialKey, ocop.ShowSerial(r.Serial), r.KeyId))
		}
		return nil
	}
	fmt.Fprintln(a.out)
	p, c, b, s := r.Product, r.Product.GetCertificate(), r.Batch, r.Scans
	first := a.when(s.GetFirstScanTime())
	if t := s.GetFirstScanTime(); t != nil {
		first += " (" + ocop.Ago(a.now().Sub(t.AsTime()), a.lang) + ")"
	}
	fs := []field{
		{fieldProduct, p.GetName()},
		{fieldGroup, ocop.GroupName(p.GetGroup(), a.lang)},
		{fieldOCOPGrade, Stars(p.GetStarGrade())},
		{fieldCertificate, a.decision(c)},
		{fieldValidUntil, a.day(c.GetValidUntil()) + " — " + ocop.StatusName(c.GetStatus(), a.lang)},
		{fieldProducer, r.Producer.GetName() + " (" + ocop.KindName(r.Producer.GetKind(), a.lang) + ")"},
		// The origin is where the producer is, as on the page.
		{fieldOrigin, a.publicAddress(r.Producer.GetAddress())},
		{fieldPhone, orDash(r.Producer.GetPhone())},
		{fieldLot, b.GetLot()},
		{fieldProductionDate, a.day(b.GetProductionDate())},
		{fieldExpiryDate, a.day(b.GetExpiryDate())},
		{fieldSerial, ocop.ShowSerial(r.Serial)},
		{fieldKey, r.KeyId},
		{fieldIssued, a.when(b.GetIssueTime())},
		{fieldScans, fmt.Sprint(s.GetScanCount())},
		{fieldFirstScan, first},
	}
	if c.GetRevocationReason() != "" {
		fs = append(fs, field{fieldCertRevocationReason, c.GetRevocationReason()})
	}
	if b.GetRevoked() {
		fs = append(fs, field{fieldBatchRevokedAt, a.when(b.GetRevokeTime())}, field{fieldBatchRevocationReason, b.GetRevocationReason()})
	}
	if r.StampRevocationReason != "" {
		fs = append(fs, field{fieldStampRevocationReason, r.StampRevocationReason})
	}
	return a.fields(fs...)
}

// publicAddress is a producer's address as Verify shows it.
func (a *app) publicAddress(ad *estampv1.PublicAddress) string {
	return a.address(&estampv1.Address{Province: ad.GetProvince(), Commune: ad.GetCommune(), Street: ad.GetStreet(), LegacyDistrict: ad.GetLegacyDistrict()})
}

func (a *app) keyTable(list []*estampv1.IssuerKey) error {
	return a.table(headKeys, func(w *tabwriter.Writer) {
		for _, k := range list {
			until := "—"
			if k.NotAfterTime != nil {
				until = a.when(k.NotAfterTime)
			}
			state := keyStates[k.Status].in(a.lang)
			if k.CompromiseReason != "" {
				state += ": " + k.CompromiseReason
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", k.KeyId, k.Algorithm, a.when(k.NotBeforeTime), until, state)
		}
	})
}

var jsonOpts = protojson.MarshalOptions{Multiline: true, Indent: "  ", UseProtoNames: true}

func (a *app) printJSON(m proto.Message) error {
	b, err := jsonOpts.Marshal(m)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(a.out, string(b))
	return err
}
