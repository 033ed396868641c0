package epcis

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// The event id is the "EPCIS Event Hash ID" of CBV 2.0: SHA-256 of a
// canonical pre-hash string, as an RFC 6920 ni URI. The pre-hash string
// of an ObjectEvent is, concatenated without separators, in this order
// and leaving out what the event lacks:
//
//	eventType=ObjectEvent
//	eventTime=<UTC, milliseconds, Z>
//	eventTimeZoneOffset=<±hh:mm>
//	epcList epc=<URI> epc=<URI> …            (sorted)
//	action=<ADD|OBSERVE|DELETE>
//	bizStep=https://ref.gs1.org/cbv/BizStep-<step>
//	disposition=https://ref.gs1.org/cbv/Disp-<disposition>
//	readPoint id=<URI>
//	bizLocation id=<URI>
//	ilmd {<namespace>}<name>=<value> …       (sorted)
//
// GS1 Digital Link URIs are written in the constrained canonical form:
// on id.gs1.org, without query string, and with only the finest key
// (a serial drops the lot). GS1's reference implementation
// (github.com/RalphTro/epcis-event-hash-generator) computes the same
// strings; the golden tests reproduce its published examples.

const (
	hashPrefix = "ni:///sha-256;"
	hashSuffix = "?ver=CBV2.0"

	cbvBizStepURI = "https://ref.gs1.org/cbv/BizStep-"
	cbvDispURI    = "https://ref.gs1.org/cbv/Disp-"

	// The namespaces of ILMD names, as the EPCIS 2.0 JSON-LD context
	// expands the prefixes the document writes (cbvmda:, gs1:).
	nsCBVMDA = "urn:epcglobal:cbv:mda:"
	nsGS1    = "https://gs1.org/voc/"
)

// ID returns the event's id: ni:///sha-256;<hex>?ver=CBV2.0.
func (e Event) ID() (string, error) {
	pre, err := e.PreHash()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(pre))
	return hashPrefix + hex.EncodeToString(sum[:]) + hashSuffix, nil
}

// PreHash returns the canonical pre-hash string the id is the hash of.
func (e Event) PreHash() (string, error) {
	if err := e.check(); err != nil {
		return "", fmt.Errorf("epcis: %w", err)
	}
	var b strings.Builder
	b.WriteString("eventType=ObjectEvent")
	b.WriteString("eventTime=" + eventTime(e.Time))
	b.WriteString("eventTimeZoneOffset=" + e.Offset)
	epcs := make([]string, len(e.EPCs))
	for i, epc := range e.EPCs {
		epcs[i] = "epc=" + canonicalURI(epc)
	}
	slices.Sort(epcs)
	b.WriteString("epcList" + strings.Join(epcs, ""))
	b.WriteString("action=" + string(e.Action))
	if e.BizStep != "" {
		b.WriteString("bizStep=" + cbvBizStepURI + e.BizStep)
	}
	if e.Disposition != "" {
		b.WriteString("disposition=" + cbvDispURI + e.Disposition)
	}
	if e.ReadPoint != "" {
		b.WriteString("readPointid=" + canonicalURI(e.ReadPoint))
	}
	if e.BizLocation != "" {
		b.WriteString("bizLocationid=" + canonicalURI(e.BizLocation))
	}
	if ilmd := e.ILMD.preHash(); len(ilmd) > 0 {
		slices.Sort(ilmd)
		b.WriteString("ilmd" + strings.Join(ilmd, ""))
	}
	return b.String(), nil
}

// preHash returns the ILMD's elements as {namespace}name=value, unsorted.
func (m ILMD) preHash() []string {
	var out []string
	for _, a := range []struct{ ns, name, value string }{
		{nsCBVMDA, "lotNumber", m.Lot},
		{nsGS1, "productionDate", m.ProductionDate},
		{nsCBVMDA, "bestBeforeDate", m.BestBeforeDate},
		{nsCBVMDA, "itemExpirationDate", m.ExpirationDate},
	} {
		if a.value != "" {
			out = append(out, "{"+a.ns+"}"+a.name+"="+a.value)
		}
	}
	return out
}

// dlKeys are the GS1 Digital Link primary keys the canonical form knows,
// with the digits their value has and the key qualifiers that may follow,
// coarsest first. Short names (gtin, lot, ser …) are the aliases of GS1
// Digital Link 1.0 that some resolvers still write.
var dlKeys = map[string]struct {
	digits     []int
	qualifiers []string
}{
	"01":  {[]int{8, 12, 13, 14}, []string{"22", "10", "21"}},
	"00":  {[]int{18}, nil},
	"414": {[]int{13}, []string{"254"}},
}

var dlAliases = map[string]string{
	"gtin": "01", "sscc": "00", "gln": "414", "cpv": "22", "lot": "10", "ser": "21",
}

// canonicalURI returns uri as the pre-hash string writes it: a GS1 Digital
// Link URI with a GTIN, SSCC or GLN (the keys estamp and GS1's examples
// use) in constrained canonical form, https://id.gs1.org/<key>/<value>
// with only the finest qualifier that CBV 2.0 keeps (21 over 10, never
// 22; 254 for a GLN) and a GTIN padded to 14 digits; any other URI as it
// is.
func canonicalURI(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return uri
	}
	segs := strings.Split(strings.TrimSuffix(u.EscapedPath(), "/"), "/")
	for i, seg := range segs {
		ai := seg
		if a, ok := dlAliases[ai]; ok {
			ai = a
		}
		key, ok := dlKeys[ai]
		if !ok || i+1 >= len(segs) || !allDigits(segs[i+1]) || !slices.Contains(key.digits, len(segs[i+1])) {
			continue
		}
		value := segs[i+1]
		if ai == "01" {
			value = strings.Repeat("0", 14-len(value)) + value
		}
		found := map[string]string{}
		rest := segs[i+2:]
		if len(rest)%2 != 0 {
			return uri
		}
		next := 0 // qualifiers come in the order GS1 Digital Link fixes
		for j := 0; j < len(rest); j += 2 {
			q := rest[j]
			if a, ok := dlAliases[q]; ok {
				q = a
			}
			k := slices.Index(key.qualifiers[next:], q)
			if k < 0 || rest[j+1] == "" {
				return uri
			}
			next += k + 1
			found[q] = rest[j+1]
		}
		out := "https://id.gs1.org/" + ai + "/" + value
		switch {
		case found["21"] != "":
			out += "/21/" + found["21"]
		case found["10"] != "":
			out += "/10/" + found["10"]
		case found["254"] != "":
			out += "/254/" + found["254"]
		}
		return out
	}
	return uri
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
