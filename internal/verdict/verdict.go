// Package verdict decides what a scanned code is. Every way of checking a
// stamp reaches its verdict here, through the same steps in the same order
// (docs/stamp-format.md §6): the gRPC Verify call, the stamp page and its
// JSON, the code form, a retailer's intake, and `estamp verify --offline`.
//
// The package reads no storage. Callers hand it what they know: the
// issuer's keys, and for a signed code the issuer's record of the stamp
// (online from the database, offline from what `estamp sync` fetched).
// Two copies of these rules would drift; tests compare the transports.
package verdict

import (
	"crypto/ed25519"
	"errors"
	"slices"
	"strings"
	"time"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/stampcode"
	"github.com/ocopvn/estamp/internal/trust"
)

// Form says what kind of text is being checked.
type Form int

const (
	// Scanned text comes from a scanner, a person, a file or an API call:
	// a stamp URL (its base URL compared whole) or a bare token.
	Scanned Form = iota
	// Path is the path of an HTTP request that reached this service. The
	// host a client names is not evidence of anything, so only the path
	// before /V/ is compared with the base URLs' paths.
	Path
)

// Cause tells apart the reasons behind one verdict.
type Cause int

const (
	// NoCause: the verdict says it all.
	NoCause Cause = iota
	// NotACode is a MALFORMED text that is not an e-stamp code.
	NotACode
	// NewerFormat is a MALFORMED code of a later format version.
	NewerFormat
	// LookAlike is a MALFORMED code under an address that is not this
	// service's: a copy on a look-alike site, whatever its signature.
	LookAlike
	// StampRevoked is a REVOKED stamp revoked on its own.
	StampRevoked
	// BatchRevoked is a REVOKED stamp whose whole batch was recalled.
	BatchRevoked
)

// Outcome is a verdict and what it rests on.
type Outcome struct {
	Verdict estampv1.Verdict
	Cause   Cause
	// Reason is the recorded reason of a revocation or of a key's
	// compromise.
	Reason string
	// Claims are what the code says; valid when Readable.
	Claims   stampcode.Claims
	Readable bool
	// IssuerID and IssuerName name the trusted issuer of another province
	// whose keys the code was checked against; empty for the service's own.
	IssuerID, IssuerName string
	// IssuerPage is the code's URL at that issuer, for a person to see
	// what only the issuer holds (the product, the lot, the scans); empty
	// for the service's own codes and for codes altered or unreadable.
	IssuerPage string
	// StatusTime is when that issuer's revocation list, which the verdict
	// of such a code took into account, was fetched; zero when it never
	// was, and the verdict rests on the code alone.
	StatusTime time.Time
}

// Key is what a verifier knows of one issuer key.
type Key struct {
	Public ed25519.PublicKey
	// Private, when the issuer itself checks, lets it re-sign instead of
	// verifying: the same check at less than half the cost
	// (stampcode.Token.VerifyBySigning).
	Private     ed25519.PrivateKey
	Compromised bool
	// Reason says why the key was marked compromised.
	Reason string
}

// Keys finds issuer keys by id.
type Keys interface {
	Key(stampcode.KeyID) (Key, bool)
}

// Record is the issuer's record of one signed stamp: what step 6 needs.
type Record struct {
	// Base is the base URL its batch was issued under, upper-cased,
	// without "/V/".
	Base string
	// ProductNumber is the number of the batch's product; a signed code
	// claiming another is not this issuer's stamp.
	ProductNumber uint32
	StampRevoked  bool
	StampReason   string
	// NotActivated means the stamp's batch was printed ahead without a
	// lot and no activation covers the stamp.
	NotActivated bool
	BatchRevoked bool
	BatchReason  string
	// Certificate is the product's OCOP certificate as it stands now.
	Certificate *estampv1.Certificate
}

// Checked is a code after the steps that need no records (1–5).
type Checked struct {
	Outcome
	// Base is the upper-cased text before the last /V/ (a base URL, or a
	// path for Path); "" for a bare token.
	Base string
	// Bare means the text was a token alone: no address to check.
	Bare bool
	// Token is the canonical token text, when it decoded.
	Token   string
	tok     *stampcode.Token
	form    Form
	foreign bool
	// listHeld means a trust list was held when the code was checked: an
	// address no trusted issuer claims is then UNKNOWN_ISSUER, not a
	// look-alike of this service.
	listHeld bool
	// notAfter is the foreign key's last trusted moment (zero: none),
	// for Decide, which has the clock.
	notAfter time.Time
}

// Passed reports whether the code is validly signed by a key in good
// standing.
func (c Checked) Passed() bool { return c.Verdict == estampv1.Verdict_VERDICT_UNSPECIFIED }

// Signed reports whether the code carries a valid signature of one of the
// issuer's keys, in good standing or compromised: the caller should look
// up the stamp's record before it Decides, because whether its address is
// acceptable depends on the batch.
func (c Checked) Signed() bool {
	if c.IssuerID != "" {
		// Another province's stamp has no record here: looking its serial
		// up would find one of this service's own stamps.
		return false
	}
	return c.Passed() || c.Verdict == estampv1.Verdict_VERDICT_KEY_COMPROMISED
}

// Checker applies the rules of one issuer.
type Checker struct {
	bases []string // own base URLs, upper-cased, without "/V/"
	paths []string // their paths
	keys  Keys
	// issuers, when set, is the national trust list by which codes of
	// other provinces are checked.
	issuers Issuers
	// status, when set, is what those provinces' revocation lists say.
	status ForeignStatus
}

// ForeignStatus gives what another province's revocation list, as last
// fetched, says of one of its stamps, and when it was fetched; ok is
// false when it never was.
type ForeignStatus interface {
	Record(issuerID string, claims stampcode.Claims) (rec *Record, fetched time.Time, ok bool)
}

// WithForeignStatus is a copy of c that decides codes of other provinces
// by their revocation lists too.
func (c *Checker) WithForeignStatus(status ForeignStatus) *Checker {
	cp := *c
	cp.status = status
	return &cp
}

// Issuers gives the national trust list currently held and valid, or nil:
// trust.Holder is one.
type Issuers interface {
	List() *trust.List
}

// WithIssuers is a copy of c that checks codes of the other provinces of
// the trust list that issuers hold against their keys.
func (c *Checker) WithIssuers(issuers Issuers) *Checker {
	cp := *c
	cp.issuers = issuers
	return &cp
}

// New returns a checker for the issuer answering at baseURLs (the current
// one first) with keys.
func New(baseURLs []string, keys Keys) (*Checker, error) {
	c := &Checker{keys: keys}
	for _, u := range baseURLs {
		p, err := stampcode.URLPrefix(u)
		if err != nil {
			return nil, err
		}
		base := strings.TrimSuffix(p, stampcode.PathSegment)
		c.bases = append(c.bases, base)
		c.paths = append(c.paths, PathOf(base))
	}
	return c, nil
}

// BasePath is the path of the current base URL ("" at the root): stamp
// pages live at BasePath + "/V/" + token.
func (c *Checker) BasePath() string {
	if len(c.paths) == 0 {
		return ""
	}
	return c.paths[0]
}

// PathOf is the path of an upper-cased base URL: "" for
// "HTTPS://TEM.EXAMPLE", "/QR" for "HTTPS://TEM.EXAMPLE/QR".
func PathOf(base string) string {
	rest := base
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return rest[i:]
	}
	return ""
}

// Read runs steps 1–3 of the spec: normalize the text, split off its
// address, decode the token and read its payload.
func Read(text string, form Form) Checked {
	malformed := func(cause Cause) Checked {
		return Checked{Outcome: Outcome{Verdict: estampv1.Verdict_VERDICT_MALFORMED, Cause: cause}, form: form}
	}
	s, ok := stampcode.Normalize(text)
	if !ok {
		return malformed(NotACode)
	}
	prefix, token := stampcode.Split(s)
	c := Checked{form: form, Base: strings.TrimSuffix(prefix, stampcode.PathSegment), Bare: prefix == ""}
	switch {
	case form == Path && (c.Bare || !strings.HasPrefix(c.Base, "/") && c.Base != ""):
		return malformed(NotACode)
	case form == Scanned && !c.Bare && !strings.HasPrefix(c.Base, "HTTP://") && !strings.HasPrefix(c.Base, "HTTPS://"):
		return malformed(NotACode)
	}
	tok, err := stampcode.ParseToken(token)
	switch {
	case errors.Is(err, stampcode.ErrNonCanonical):
		c.Verdict = estampv1.Verdict_VERDICT_BAD_SIGNATURE
	case errors.Is(err, stampcode.ErrUnsupportedVersion):
		c.Verdict, c.Cause = estampv1.Verdict_VERDICT_MALFORMED, NewerFormat
	case err != nil:
		c.Verdict, c.Cause = estampv1.Verdict_VERDICT_MALFORMED, NotACode
	default:
		c.Claims, c.Readable, c.Token = tok.Claims, true, token
	}
	c.tok = tok
	return c
}

// Check runs steps 1–5: Read, then the key and the signature. The caller
// has trimmed the text and checked it is not empty.
func (c *Checker) Check(text string, form Form) Checked {
	chk := Read(text, form)
	chk.foreign = c.foreign(chk)
	if chk.foreign && chk.form == Scanned && c.issuers != nil {
		if list := c.issuers.List(); list != nil {
			chk.listHeld = true
			if is, ok := list.IssuerOf(chk.Base); ok && !c.Own(is) {
				return checkForeign(chk, is)
			}
		}
	}
	if !chk.Passed() {
		return chk
	}
	k, ok := c.keys.Key(chk.Claims.KeyID)
	switch {
	case !ok:
		chk.Verdict = estampv1.Verdict_VERDICT_UNKNOWN_KEY
	case !signed(chk.tok, k):
		chk.Verdict = estampv1.Verdict_VERDICT_BAD_SIGNATURE
	case k.Compromised:
		chk.Verdict, chk.Reason = estampv1.Verdict_VERDICT_KEY_COMPROMISED, k.Reason
	}
	return chk
}

// Own reports whether a trusted issuer is this service: the trust list
// names the own province too, and its codes are checked by the records.
func (c *Checker) Own(is trust.Issuer) bool {
	for _, u := range is.BaseURLs {
		p, err := stampcode.URLPrefix(u)
		if err != nil {
			continue
		}
		if slices.Contains(c.bases, strings.TrimSuffix(p, stampcode.PathSegment)) {
			return true
		}
	}
	return false
}

// checkForeign checks a code of another province against the keys the
// trust list gives that province.
func checkForeign(chk Checked, is trust.Issuer) Checked {
	chk.IssuerID, chk.IssuerName = is.ID, is.Name
	if !chk.Passed() {
		return chk
	}
	k, ok := is.Key(chk.Claims.KeyID)
	switch {
	case !ok:
		chk.Verdict = estampv1.Verdict_VERDICT_UNKNOWN_KEY
	case !chk.tok.Verify(k.Public):
		// An altered code has no page at its issuer to send a person to.
		chk.Verdict = estampv1.Verdict_VERDICT_BAD_SIGNATURE
		return chk
	case k.Status == trust.Compromised:
		chk.Verdict = estampv1.Verdict_VERDICT_KEY_COMPROMISED
	default:
		chk.notAfter = k.NotAfter
	}
	// The issuer was found by this very base URL, so the link goes nowhere
	// the trust list does not name; an unknown or leaked key is still
	// worth the issuer's own page, which may know a key newer than the
	// list held here, or show the scans of the stamp that was copied.
	chk.IssuerPage = issuerPage(chk.Base, chk.Token)
	return chk
}

// issuerPage is the URL of a code under base (upper-cased, without "/V/")
// for a link: scheme and host in lower case, as people read an address,
// and the rest as the code has it, since a base path and a token are
// compared as written. It is "" for anything but an http(s) URL.
func issuerPage(base, token string) string {
	scheme, rest, ok := strings.Cut(base, "://")
	if !ok || token == "" || scheme != "HTTP" && scheme != "HTTPS" {
		return ""
	}
	host, path, _ := strings.Cut(rest, "/")
	if host == "" {
		return ""
	}
	if path != "" {
		path = "/" + path
	}
	return strings.ToLower(scheme) + "://" + strings.ToLower(host) + path + stampcode.PathSegment + token
}

func signed(tok *stampcode.Token, k Key) bool {
	if k.Private != nil {
		return tok.VerifyBySigning(k.Private)
	}
	return tok.Verify(k.Public)
}

// foreign reports whether a code names an address that is not one of the
// service's own. Such a code is good only under the address its batch
// was issued under (the service has moved since).
func (c *Checker) foreign(chk Checked) bool {
	if chk.Bare || chk.Verdict == estampv1.Verdict_VERDICT_MALFORMED && chk.Cause == NotACode {
		return false
	}
	own := c.bases
	if chk.form == Path {
		own = c.paths
	}
	for _, b := range own {
		if chk.Base == b {
			return false
		}
	}
	return true
}

// Decide finishes a checked code (step 6 and the address rule): rec is the
// issuer's record of the stamp, nil when there is none (never issued, or
// not looked up because the code is not Signed).
//
// A code under an address that is not the service's own is MALFORMED (a
// look-alike) unless it is signed by one of the issuer's keys, was issued,
// and its batch was issued under that very address: the address is not
// signed, so nothing else vouches for it.
func (c *Checker) Decide(chk Checked, rec *Record, now time.Time) Outcome {
	o := chk.Outcome
	if o.IssuerID != "" {
		return c.decideForeign(o, chk.notAfter, now)
	}
	lookAlike := Outcome{Verdict: estampv1.Verdict_VERDICT_MALFORMED, Cause: LookAlike, Claims: o.Claims, Readable: o.Readable}
	if chk.listHeld {
		lookAlike.Verdict, lookAlike.Cause = estampv1.Verdict_VERDICT_UNKNOWN_ISSUER, NoCause
	}
	issued := chk.Signed() && rec != nil && rec.ProductNumber == o.Claims.ProductNumber
	if chk.foreign {
		if !issued {
			return lookAlike
		}
		base := rec.Base
		if chk.form == Path {
			base = PathOf(rec.Base)
		}
		if chk.Base != base {
			return lookAlike
		}
	}
	switch {
	case !chk.Passed():
		// Unreadable, altered, of an unknown key, or of a compromised one:
		// a compromised key's signature proves nothing, so neither does
		// the record it names.
		return o
	case !issued:
		o.Verdict = estampv1.Verdict_VERDICT_NOT_ISSUED
		return o
	}
	o.Verdict, o.Cause, o.Reason = Status(rec, now)
	return o
}

// decideForeign finishes a code of another province. Its records are that
// province's: what its revocation list said when last fetched is judged
// here as offline verification judges a synced list; without one, the
// certificate by the valid-until the stamp carries.
func (c *Checker) decideForeign(o Outcome, notAfter time.Time, now time.Time) Outcome {
	switch {
	case !o.Readable || o.Verdict != estampv1.Verdict_VERDICT_UNSPECIFIED:
		return o
	case !notAfter.IsZero() && now.After(notAfter):
		// The province no longer vouches for what this key signed.
		o.Verdict = estampv1.Verdict_VERDICT_UNKNOWN_KEY
		return o
	}
	rec := &Record{ProductNumber: o.Claims.ProductNumber, Certificate: &estampv1.Certificate{ValidUntil: ocop.FormatDate(o.Claims.ValidUntil)}}
	if c.status != nil {
		if listed, fetched, ok := c.status.Record(o.IssuerID, o.Claims); ok {
			rec, o.StatusTime = listed, fetched
		}
	}
	o.Verdict, o.Cause, o.Reason = Status(rec, now)
	return o
}

// Status is the verdict of an issued stamp: its own revocation first, then
// its batch's, then whether it was activated, then its product's
// certificate as it stands on now's day.
func Status(rec *Record, now time.Time) (estampv1.Verdict, Cause, string) {
	switch {
	case rec.StampRevoked:
		return estampv1.Verdict_VERDICT_REVOKED, StampRevoked, rec.StampReason
	case rec.BatchRevoked:
		return estampv1.Verdict_VERDICT_REVOKED, BatchRevoked, rec.BatchReason
	// A label never put on goods vouches for nothing, whatever its
	// product's certificate says.
	case rec.NotActivated:
		return estampv1.Verdict_VERDICT_NOT_ACTIVATED, NoCause, ""
	}
	switch ocop.CertificateStatus(rec.Certificate, now) {
	case estampv1.CertificateStatus_CERTIFICATE_STATUS_REVOKED:
		return estampv1.Verdict_VERDICT_CERTIFICATE_REVOKED, NoCause, rec.Certificate.GetRevocationReason()
	case estampv1.CertificateStatus_CERTIFICATE_STATUS_EXPIRED:
		return estampv1.Verdict_VERDICT_CERTIFICATE_EXPIRED, NoCause, ""
	}
	return estampv1.Verdict_VERDICT_GENUINE, NoCause, ""
}

// intakeOf is the intake outcome each verdict becomes at a retailer's
// intake (genuine: accepted, unless custody finds a re-scan or a copy).
var intakeOf = map[estampv1.Verdict]estampv1.IntakeVerdict{
	estampv1.Verdict_VERDICT_GENUINE:             estampv1.IntakeVerdict_INTAKE_VERDICT_ACCEPTED,
	estampv1.Verdict_VERDICT_REVOKED:             estampv1.IntakeVerdict_INTAKE_VERDICT_REVOKED,
	estampv1.Verdict_VERDICT_CERTIFICATE_EXPIRED: estampv1.IntakeVerdict_INTAKE_VERDICT_CERTIFICATE_EXPIRED,
	estampv1.Verdict_VERDICT_CERTIFICATE_REVOKED: estampv1.IntakeVerdict_INTAKE_VERDICT_CERTIFICATE_REVOKED,
	estampv1.Verdict_VERDICT_UNKNOWN_KEY:         estampv1.IntakeVerdict_INTAKE_VERDICT_UNKNOWN_KEY,
	estampv1.Verdict_VERDICT_BAD_SIGNATURE:       estampv1.IntakeVerdict_INTAKE_VERDICT_BAD_SIGNATURE,
	estampv1.Verdict_VERDICT_MALFORMED:           estampv1.IntakeVerdict_INTAKE_VERDICT_MALFORMED,
	estampv1.Verdict_VERDICT_NOT_ISSUED:          estampv1.IntakeVerdict_INTAKE_VERDICT_NOT_ISSUED,
	estampv1.Verdict_VERDICT_KEY_COMPROMISED:     estampv1.IntakeVerdict_INTAKE_VERDICT_KEY_COMPROMISED,
	estampv1.Verdict_VERDICT_NOT_ACTIVATED:       estampv1.IntakeVerdict_INTAKE_VERDICT_NOT_ACTIVATED,
	estampv1.Verdict_VERDICT_UNKNOWN_ISSUER:      estampv1.IntakeVerdict_INTAKE_VERDICT_UNKNOWN_ISSUER,
}

// IntakeOf is the intake outcome of a verdict.
func IntakeOf(v estampv1.Verdict) estampv1.IntakeVerdict { return intakeOf[v] }
