package verdict_test

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"google.golang.org/protobuf/types/known/timestamppb"

	"google.golang.org/protobuf/reflect/protoreflect"

	estampv1 "github.com/ocopvn/estamp/gen/estamp/v1"
	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/sourcetree"
	"github.com/ocopvn/estamp/internal/verdict"
)

// copySigns are the warnings that make a genuine stamp a suspected copy,
// alone and together.
var copySigns = map[string][]estampv1.VerifyWarning{
	"many scans":    {estampv1.VerifyWarning_VERIFY_WARNING_MANY_SCANS},
	"several shops": {estampv1.VerifyWarning_VERIFY_WARNING_SEVERAL_RETAILERS},
	"both":          {estampv1.VerifyWarning_VERIFY_WARNING_MANY_SCANS, estampv1.VerifyWarning_VERIFY_WARNING_SEVERAL_RETAILERS},
}

// causes are the causes each verdict is decided with (verdict.go).
var causes = map[estampv1.Verdict][]verdict.Cause{
	estampv1.Verdict_VERDICT_MALFORMED: {verdict.NotACode, verdict.NewerFormat, verdict.LookAlike},
	estampv1.Verdict_VERDICT_REVOKED:   {verdict.StampRevoked, verdict.BatchRevoked},
}

func values[E interface {
	Descriptor() protoreflect.EnumDescriptor
}](e E) []protoreflect.EnumNumber {
	var out []protoreflect.EnumNumber
	vs := e.Descriptor().Values()
	for i := range vs.Len() {
		if n := vs.Get(i).Number(); n != 0 {
			out = append(out, n)
		}
	}
	return out
}

// catalogue is every text the catalogue holds, by what it is.
func catalogue() map[string]verdict.Words {
	all := map[string]verdict.Words{}
	for _, n := range values(estampv1.Verdict(0)) {
		v := estampv1.Verdict(n)
		t := verdict.Tell(v, nil)
		all[v.String()+" label"], all[v.String()+" headline"], all[v.String()+" advice"] = t.Label, t.Headline, t.Advice
		cs, ok := causes[v]
		if !ok {
			cs = []verdict.Cause{verdict.NoCause}
		}
		for _, c := range cs {
			o := verdict.Outcome{Verdict: v, Cause: c}
			all[fmt.Sprintf("%v sentence %d", v, c)] = verdict.Words{VI: verdict.Sentence(o, ocop.VI), EN: verdict.Sentence(o, ocop.EN)}
			tc := verdict.TellCause(v, c, nil)
			all[fmt.Sprintf("%v headline %d", v, c)], all[fmt.Sprintf("%v advice %d", v, c)] = tc.Headline, tc.Advice
		}
	}
	copied := verdict.Tell(estampv1.Verdict_VERDICT_GENUINE, []estampv1.VerifyWarning{estampv1.VerifyWarning_VERIFY_WARNING_MANY_SCANS})
	all["copied label"], all["copied headline"], all["copied advice"] = copied.Label, copied.Headline, copied.Advice
	genuine := verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_GENUINE}
	for name, ws := range copySigns {
		all["copied sentence, "+name] = verdict.Message(genuine, verdict.Scans{Count: 9, First: now, Shops: 2}, ws)
	}
	all["first scan"] = verdict.Message(genuine, verdict.Scans{Count: 1, First: now}, nil)
	all["scanned before"] = verdict.Message(genuine, verdict.Scans{Count: 2, First: now}, nil)
	for _, n := range values(estampv1.VerifyWarning(0)) {
		w := estampv1.VerifyWarning(n)
		all[w.String()] = verdict.Warning(w)
	}
	own := map[estampv1.IntakeVerdict]bool{}
	for _, n := range values(estampv1.IntakeVerdict(0)) {
		own[estampv1.IntakeVerdict(n)] = true
	}
	for _, n := range values(estampv1.Verdict(0)) {
		delete(own, verdict.IntakeOf(estampv1.Verdict(n))) // told as that verdict
	}
	for _, n := range values(estampv1.IntakeVerdict(0)) {
		v := estampv1.IntakeVerdict(n)
		all[v.String()+" label"] = verdict.IntakeLabel(v)
		if own[v] {
			all[v.String()+" sentence"] = verdict.IntakeSentence(v, verdict.Outcome{})
			all[v.String()+" sale sentence"] = verdict.SaleSentence(v, verdict.Outcome{})
		}
		all[v.String()+" sale label"] = verdict.SaleLabel(v)
	}
	// Another province's codes, by verdict, with and without its list:
	// whose the code is, then the verdict's sentence. The province's name
	// is the trust list's, and "7" is split off as a number is.
	foreign := func(what string, o verdict.Outcome) {
		w := verdict.ForeignMessage(o)
		var lead, rest verdict.Words
		lead.VI, rest.VI, _ = strings.Cut(w.VI, ". ")
		lead.EN, rest.EN, _ = strings.Cut(w.EN, ". ")
		all[what+" lead"], all[what+" sentence"] = lead, rest
	}
	for _, n := range values(estampv1.Verdict(0)) {
		o := verdict.Outcome{Verdict: estampv1.Verdict(n), IssuerID: "38", IssuerName: "7"}
		foreign(fmt.Sprintf("%v of another province", o.Verdict), o)
		o.StatusTime = now
		foreign(fmt.Sprintf("%v of another province, by its list", o.Verdict), o)
		tf := verdict.TellForeign(o.Verdict, verdict.NoCause)
		all[fmt.Sprintf("%v of another province headline", o.Verdict)], all[fmt.Sprintf("%v of another province advice", o.Verdict)] = tf.Headline, tf.Advice
	}
	// The shop is a name from the registry, and a time's words are
	// ocop.ShowTime's: what is left is the catalogue's.
	sold := verdict.SoldBefore("7", now)
	sold.EN = strings.Replace(sold.EN, " (UTC+7)", "", 1)
	all["sold before"] = sold
	return all
}

// Every verdict, warning and intake outcome is told in Vietnamese with its
// diacritics and in English, and a verdict added to the proto without
// words fails here instead of showing another verdict's.
func TestEveryOutcomeHasWords(t *testing.T) {
	for what, w := range catalogue() {
		hasDiacritic := strings.IndexFunc(w.VI, func(r rune) bool { return r > unicode.MaxASCII && unicode.IsLetter(r) }) >= 0
		if !hasDiacritic || w.EN == "" || w.VI == w.EN {
			t.Errorf("%s: %q / %q: want Vietnamese with diacritics, then English", what, w.VI, w.EN)
		}
	}
	malformed := verdict.Tell(estampv1.Verdict_VERDICT_MALFORMED, nil)
	labels := map[string]string{}
	for _, n := range values(estampv1.Verdict(0)) {
		v := estampv1.Verdict(n)
		t1 := verdict.Tell(v, nil)
		if v != estampv1.Verdict_VERDICT_MALFORMED && (t1.Headline == malformed.Headline || t1.Label == malformed.Label) {
			t.Errorf("%v is told as MALFORMED: it has no words of its own", v)
		}
		if t1.Tone == "" {
			t.Errorf("%v has no tone", v)
		}
		for _, c := range causes[v] {
			if s := verdict.Sentence(verdict.Outcome{Verdict: v, Cause: c}, ocop.VI); v != estampv1.Verdict_VERDICT_MALFORMED && c != verdict.NotACode &&
				s == verdict.Sentence(verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_MALFORMED, Cause: verdict.NotACode}, ocop.VI) {
				t.Errorf("%v cause %d has no sentence of its own", v, c)
			}
		}
		if other, dup := labels[t1.Label.VI]; dup {
			t.Errorf("%v and %s share the label %q", v, other, t1.Label.VI)
		}
		labels[t1.Label.VI] = v.String()
	}
}

func TestSentencesAndTellings(t *testing.T) {
	genuine := verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_GENUINE}
	stampRevoked := verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_REVOKED, Cause: verdict.StampRevoked, Reason: "Tem bị mất cắp"}
	recalled := verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_REVOKED, Cause: verdict.BatchRevoked, Reason: "Lỗi bao bì"}
	certRevoked := verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_CERTIFICATE_REVOKED, Reason: "Không tái đánh giá"}
	many := []estampv1.VerifyWarning{estampv1.VerifyWarning_VERIFY_WARNING_MANY_SCANS}
	shops := []estampv1.VerifyWarning{estampv1.VerifyWarning_VERIFY_WARNING_SEVERAL_RETAILERS}
	notRecorded := []estampv1.VerifyWarning{estampv1.VerifyWarning_VERIFY_WARNING_SCAN_NOT_RECORDED}
	first := time.Date(2026, 11, 20, 17, 30, 0, 0, time.UTC) // 21/11 in Vietnam
	tests := []struct {
		name     string
		o        verdict.Outcome
		scans    verdict.Scans
		warnings []estampv1.VerifyWarning
		vi, en   string // Message
		tone     verdict.Tone
		headline string
	}{
		{"genuine, no scan recorded (a HEAD request)", genuine, verdict.Scans{}, nil, "Tem do cơ quan OCOP phát hành và chưa bị thu hồi.", "Issued by the OCOP office and not withdrawn.", verdict.ToneOK, "Sản phẩm chính hãng"},
		{"genuine, first scan", genuine, verdict.Scans{Count: 1, First: first}, nil, "Đây là lần quét đầu tiên của tem này.", "This is the first time this stamp has been scanned.", verdict.ToneOK, "Sản phẩm chính hãng"},
		{"genuine, scanned before", genuine, verdict.Scans{Count: 3, First: first}, nil, "Tem đã được quét trước lần này; lịch sử quét cho biết khi nào.", "", verdict.ToneOK, "Sản phẩm chính hãng"},
		{"genuine, a full disk is not a sign of copying", genuine, verdict.Scans{Count: 1, First: first}, notRecorded, "Đây là lần quét đầu tiên của tem này.", "", verdict.ToneOK, "Sản phẩm chính hãng"},
		{"scanned many times: how many, since when", genuine, verdict.Scans{Count: 9, First: first, Shops: 1}, many,
			"Tem đã được quét 9 lần kể từ ngày 21/11/2026, nhiều hơn một món hàng thường được quét.", "Scanned 9 times since 21 Nov 2026, more than one item usually is.", verdict.ToneWarn, "Tem có thể đã bị sao chép"},
		{"received by two shops: how many", genuine, verdict.Scans{Count: 2, First: first, Shops: 2}, shops,
			"Tem đã được 2 cửa hàng nhận, trong khi mỗi tem chỉ đi cùng một món hàng.", "Received by 2 shops, yet each stamp goes with one item only.", verdict.ToneWarn, "Tem có thể đã bị sao chép"},
		{"both signs", genuine, verdict.Scans{Count: 7, First: first, Shops: 3}, append(many, shops...),
			"Tem đã được 3 cửa hàng nhận và được quét 7 lần kể từ ngày 21/11/2026.", "Received by 3 shops and scanned 7 times since 21 Nov 2026.", verdict.ToneWarn, "Tem có thể đã bị sao chép"},
		{"stamp revoked, with the reason", stampRevoked, verdict.Scans{Count: 4}, nil, "Riêng tem này đã bị hủy. Lý do: Tem bị mất cắp", "This one stamp was cancelled. Reason: Tem bị mất cắp", verdict.ToneBad, "Tem đã bị thu hồi"},
		{"batch recalled, with the reason", recalled, verdict.Scans{Count: 4}, nil, "Mọi sản phẩm cùng lô với tem này đã bị rút khỏi thị trường. Lý do: Lỗi bao bì", "Every item of this stamp's lot was withdrawn from sale. Reason: Lỗi bao bì", verdict.ToneBad, "Lô hàng đã bị thu hồi"},
		{"certificate revoked, with the reason", certRevoked, verdict.Scans{Count: 1}, nil, "Sản phẩm đã mất danh hiệu OCOP, dù tem là tem thật. Lý do: Không tái đánh giá", "The product has lost its OCOP status, though the stamp is real. Reason: Không tái đánh giá", verdict.ToneBad, "Chứng nhận OCOP đã bị thu hồi"},
		{"altered code", verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_BAD_SIGNATURE}, verdict.Scans{}, nil, "Mã trên tem đã bị sửa hoặc là mã giả.", "The code was altered or is a fake.", verdict.ToneBad, "Không phải tem chính hãng"},
		{"a verdict the catalogue does not know", verdict.Outcome{Verdict: 99}, verdict.Scans{}, nil, "Đây không theo mẫu mã tem OCOP; có thể camera đã đọc một mã QR khác trên bao bì.", "", verdict.ToneBad, "Không nhận ra mã"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := verdict.Message(tt.o, tt.scans, tt.warnings)
			if m.VI != tt.vi || tt.en != "" && m.EN != tt.en {
				t.Errorf("Message = %q / %q, want %q / %q", m.VI, m.EN, tt.vi, tt.en)
			}
			tell := verdict.TellCause(tt.o.Verdict, tt.o.Cause, tt.warnings)
			if tell.Tone != tt.tone || tell.Headline.In(ocop.VI) != tt.headline {
				t.Errorf("TellCause = %v %q, want %v %q", tell.Tone, tell.Headline.VI, tt.tone, tt.headline)
			}
			// The reason, in its giver's words, splits off the sentence
			// for the page to mark its language.
			for _, lang := range []ocop.Lang{ocop.VI, ocop.EN} {
				sentence, reason := verdict.SplitReason(m.In(lang), lang)
				if reason != tt.o.Reason || sentence+map[bool]string{true: " " + reason}[reason != ""] != m.In(lang) {
					t.Errorf("SplitReason(%q) = %q, %q", m.In(lang), sentence, reason)
				}
			}
		})
	}
	// A recalled lot and a stolen stamp are told apart; the CLI's label is
	// the verdict's.
	stamp, lot := verdict.TellCause(stampRevoked.Verdict, stampRevoked.Cause, nil), verdict.TellCause(recalled.Verdict, recalled.Cause, nil)
	if stamp.Headline == lot.Headline || stamp.Advice == lot.Advice || stamp.Label != lot.Label {
		t.Errorf("a recalled lot is told as a revoked stamp: %v / %v", stamp, lot)
	}
	// Intake tells a verdict in Verify's sentence, reason included, and
	// its own outcomes in its own words.
	if got := verdict.IntakeSentence(verdict.IntakeOf(recalled.Verdict), recalled); got.VI != verdict.Sentence(recalled, ocop.VI) || got.EN != verdict.Sentence(recalled, ocop.EN) {
		t.Errorf("intake says a recall as %q", got.VI)
	}
	if got := verdict.IntakeLabel(estampv1.IntakeVerdict_INTAKE_VERDICT_BAD_SIGNATURE); got != verdict.Tell(estampv1.Verdict_VERDICT_BAD_SIGNATURE, nil).Label {
		t.Errorf("intake labels a bad signature %q", got.VI)
	}
	if got := verdict.IntakeSentence(estampv1.IntakeVerdict_INTAKE_VERDICT_SUSPECTED_COPY, verdict.Outcome{Verdict: estampv1.Verdict_VERDICT_GENUINE}); !strings.Contains(got.VI, "cửa hàng khác") {
		t.Errorf("a suspected copy is told as %q", got.VI)
	}
}

// The cause a Verify answer shows: the stamp's own revocation comes first.
func TestCauseOf(t *testing.T) {
	revoked := estampv1.Verdict_VERDICT_REVOKED
	for _, tt := range []struct {
		name string
		r    *estampv1.VerifyResponse
		want verdict.Cause
	}{
		{"stamp, by its time", &estampv1.VerifyResponse{Verdict: revoked, StampRevokeTime: timestamppb.New(now), Batch: &estampv1.PublicBatch{Revoked: true}}, verdict.StampRevoked},
		{"stamp, by its reason", &estampv1.VerifyResponse{Verdict: revoked, StampRevocationReason: "mất"}, verdict.StampRevoked},
		{"lot", &estampv1.VerifyResponse{Verdict: revoked, Batch: &estampv1.PublicBatch{Revoked: true}}, verdict.BatchRevoked},
		{"not revoked", &estampv1.VerifyResponse{Verdict: estampv1.Verdict_VERDICT_GENUINE, Batch: &estampv1.PublicBatch{Revoked: true}}, verdict.NoCause},
	} {
		if got := verdict.CauseOf(tt.r); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
}

// filled matches what a format string's verbs became in the catalogue's
// texts: counts and dates, Vietnamese and English.
var filled = regexp.MustCompile(`\d+ [A-Z][a-z]{2} \d{4}|\d\d/\d\d/\d{4}|\d+`)

// The words live in words.go alone: the server's sentence, the offline
// CLI's, the page's headlines, the CLI's labels and intake's messages had
// been five copies that said a bad signature five ways.
func TestWordsLiveInOneFile(t *testing.T) {
	sources, err := sourcetree.GoFiles(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	for what, w := range catalogue() {
		var texts []string
		for _, text := range []string{w.VI, w.EN} {
			// A reason, a count or a date is not the catalogue's: the
			// words around them are.
			texts = append(texts, filled.Split(text, -1)...)
		}
		for _, text := range texts {
			if text = strings.TrimSpace(text); strings.Count(text, " ") < 2 {
				continue // short English ("GENUINE") is also in identifiers
			}
			var in []string
			for path, src := range sources {
				if strings.Contains(src, text) {
					in = append(in, path)
				}
			}
			slices.Sort(in)
			if !slices.Equal(in, []string{"internal/verdict/words.go"}) {
				t.Errorf("%s %q is in %v, want only internal/verdict/words.go", what, text, in)
			}
		}
	}
}
