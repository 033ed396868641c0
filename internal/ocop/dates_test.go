package ocop_test

import (
	"errors"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/sourcetree"
)

// Vietnam's day starts at 17:00 UTC the day before; every date and time a
// person reads, and the day a scan is counted on, follow it.
func TestVietnamDatesAndTimes(t *testing.T) {
	tests := []struct {
		name      string
		at        time.Time
		today     string
		day       int32
		vi, en    string // ShowTime
		tableTime string
	}{
		{"16:59 UTC is 23:59 in Vietnam", time.Date(2026, 11, 27, 16, 59, 0, 0, time.UTC), "2026-11-27", 20784,
			"23:59, 27/11/2026", "27 Nov 2026, 23:59 (UTC+7)", "2026-11-27 23:59:00 +07:00"},
		{"17:00 UTC is midnight in Vietnam", time.Date(2026, 11, 27, 17, 0, 0, 0, time.UTC), "2026-11-28", 20785,
			"00:00, 28/11/2026", "28 Nov 2026, 00:00 (UTC+7)", "2026-11-28 00:00:00 +07:00"},
		{"a moment in another zone", time.Date(2026, 11, 28, 10, 0, 0, 0, time.FixedZone("CET", 3600)), "2026-11-28", 20785,
			"16:00, 28/11/2026", "28 Nov 2026, 16:00 (UTC+7)", "2026-11-28 16:00:00 +07:00"},
		{"the first day", time.Unix(0, 0), "1970-01-01", 0,
			"07:00, 01/01/1970", "1 Jan 1970, 07:00 (UTC+7)", "1970-01-01 07:00:00 +07:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ocop.FormatDate(ocop.Today(tt.at)); got != tt.today {
				t.Errorf("Today = %s, want %s", got, tt.today)
			}
			if got := ocop.Day(tt.at); got != tt.day {
				t.Errorf("Day = %d, want %d", got, tt.day)
			}
			if got := ocop.DayDate(tt.day); got != tt.today {
				t.Errorf("DayDate(%d) = %s, want %s", tt.day, got, tt.today)
			}
			start := ocop.DayStart(tt.day)
			if ocop.Day(start) != tt.day || ocop.Day(start.Add(-time.Nanosecond)) != tt.day-1 || start.After(tt.at) {
				t.Errorf("DayStart(%d) = %v: not the first moment of that day in Vietnam", tt.day, start)
			}
			if got := ocop.ShowTime(tt.at, ocop.VI); got != tt.vi {
				t.Errorf("ShowTime vi = %q, want %q", got, tt.vi)
			}
			if got := ocop.ShowTime(tt.at, ocop.EN); got != tt.en {
				t.Errorf("ShowTime en = %q, want %q", got, tt.en)
			}
			if got := ocop.TableTime(tt.at); got != tt.tableTime {
				t.Errorf("TableTime = %q, want %q", got, tt.tableTime)
			}
		})
	}
}

func TestShowDate(t *testing.T) {
	tests := []struct{ in, vi, en string }{
		{"2025-08-20", "20/08/2025", "20 Aug 2025"},
		{"2027-05-01", "01/05/2027", "1 May 2027"},
		{"", "", ""},
		{"20/08/2025", "20/08/2025", "20/08/2025"}, // not an API date: shown as it is
	}
	for _, tt := range tests {
		if got := ocop.ShowDate(tt.in, ocop.VI); got != tt.vi {
			t.Errorf("ShowDate(%q, vi) = %q, want %q", tt.in, got, tt.vi)
		}
		if got := ocop.ShowDate(tt.in, ocop.EN); got != tt.en {
			t.Errorf("ShowDate(%q, en) = %q, want %q", tt.in, got, tt.en)
		}
	}
	// ShowDay writes a moment's day in Vietnam: 20 August there began at
	// 17:00 UTC on the 19th.
	at := time.Date(2025, 8, 19, 17, 0, 0, 0, time.UTC)
	if vi, en := ocop.ShowDay(at, ocop.VI), ocop.ShowDay(at, ocop.EN); vi != "20/08/2025" || en != "20 Aug 2025" {
		t.Errorf("ShowDay(%s) = %q, %q; want 20/08/2025, 20 Aug 2025", at, vi, en)
	}
}

// An API date is exactly YYYY-MM-DD, a real day from 1990 to 2149: what
// a person may mean by another form (20/11/2026 is 20 November in Vietnam,
// 11/20/2026 elsewhere) is not guessed, and a moment is not a day.
func TestParseDate(t *testing.T) {
	tests := []struct {
		in     string
		reason string // "" when accepted
	}{
		{"2026-11-20", ""},
		{"2024-02-29", ""},
		{"1990-01-01", ""},
		{"2149-12-31", ""},
		{"", "required, as YYYY-MM-DD"},
		{"20/11/2026", "not a date of the form YYYY-MM-DD"},
		{"11/20/2026", "not a date of the form YYYY-MM-DD"},
		{"2026/11/20", "not a date of the form YYYY-MM-DD"},
		{"20261120", "not a date of the form YYYY-MM-DD"},
		{"2026-11-2", "not a date of the form YYYY-MM-DD"},
		{"2026-1-20", "not a date of the form YYYY-MM-DD"},
		{"26-11-20", "not a date of the form YYYY-MM-DD"},
		{"+2026-11-20", "not a date of the form YYYY-MM-DD"},
		{" 2026-11-20", "not a date of the form YYYY-MM-DD"},
		{"2026-11-20 ", "not a date of the form YYYY-MM-DD"},
		{"2026-11-20T00:00:00+07:00", "not a date of the form YYYY-MM-DD"},
		{"2026-11-20Z", "not a date of the form YYYY-MM-DD"},
		{"２０２６-11-20", "not a date of the form YYYY-MM-DD"},
		{"2025-02-29", "not a date of the form YYYY-MM-DD"},
		{"2026-13-01", "not a date of the form YYYY-MM-DD"},
		{"2026-00-10", "not a date of the form YYYY-MM-DD"},
		{"1989-12-31", "outside 1990..2149"},
		{"2150-01-01", "outside 1990..2149"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, err := ocop.ParseDate("batch.production_date", tt.in)
			if tt.reason == "" {
				if err != nil || ocop.FormatDate(d) != tt.in {
					t.Errorf("ParseDate(%q) = %s, %v; want it back", tt.in, ocop.FormatDate(d), err)
				}
				return
			}
			var inv *ocop.InvalidError
			if !errors.As(err, &inv) || inv.Field != "batch.production_date" || !strings.Contains(inv.Reason, tt.reason) {
				t.Errorf("ParseDate(%q) = %s, %v; want invalid batch.production_date: %s", tt.in, ocop.FormatDate(d), err, tt.reason)
			}
		})
	}
}

// vietnamZone finds code that builds a UTC+7 zone or offset of its own.
var vietnamZone = regexp.MustCompile(`FixedZone|LoadLocation|7 ?\* ?3600|7 ?\* ?60 ?\* ?60|25200|7 ?\* ?time\.Hour`)

// Vietnam's zone is computed in dates.go alone: six copies of it had
// grown in the web page, the CLI, custody and the store.
func TestVietnamTimeIsComputedInOnePlace(t *testing.T) {
	sources, err := sourcetree.GoFiles(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for path, src := range sources {
		if vietnamZone.MatchString(src) {
			found = append(found, path)
		}
	}
	slices.Sort(found)
	if want := []string{"internal/ocop/dates.go"}; !slices.Equal(found, want) {
		t.Errorf("Vietnam's zone is computed in %v, want only %v", found, want)
	}
}

func TestAgo(t *testing.T) {
	for _, c := range []struct {
		d      time.Duration
		vi, en string
	}{
		{0, "vừa xong", "just now"},
		{59 * time.Second, "vừa xong", "just now"},
		{time.Minute, "1 phút trước", "1 minute ago"},
		{59*time.Minute + 59*time.Second, "59 phút trước", "59 minutes ago"},
		{time.Hour, "1 giờ trước", "1 hour ago"},
		{47 * time.Hour, "47 giờ trước", "47 hours ago"},
		{48 * time.Hour, "2 ngày trước", "2 days ago"},
		{400 * 24 * time.Hour, "400 ngày trước", "400 days ago"},
	} {
		if got := ocop.Ago(c.d, ocop.VI); got != c.vi {
			t.Errorf("Ago(%v, vi) = %q, want %q", c.d, got, c.vi)
		}
		if got := ocop.Ago(c.d, ocop.EN); got != c.en {
			t.Errorf("Ago(%v, en) = %q, want %q", c.d, got, c.en)
		}
	}
}

// Day counts seconds; it must name the day Today names, before 1970 too.
func TestDayIsTodaysDay(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 17))
	for range 100_000 {
		at := time.Unix(rng.Int64N(1<<34)-1<<33, rng.Int64N(1e9))
		if got, want := ocop.Day(at), int32(ocop.Today(at).Unix()/86400); got != want {
			t.Fatalf("Day(%s) = %d, Today says %d", at.UTC(), got, want)
		}
	}
}

// FuzzAPIDate holds the API's date reader to time.Parse(DateLayout):
// the same strings accepted, read as the same day.
func FuzzAPIDate(f *testing.F) {
	for _, s := range []string{"2026-11-20", "2024-02-29", "2025-02-29", "2100-02-29", "2000-02-29", "0000-01-01", "9999-12-31",
		"2026-04-31", "2026-13-01", "2026-00-10", "2026-11-00", "+026-11-20", "2026-+1-20", "2026-1-020", "20261120xx", "2026-11-20 ", "2026-11-20T00:00:00Z", "２０２６-11-20", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := time.Parse(ocop.DateLayout, s)
		got, ok := ocop.APIDate(s)
		if ok != (err == nil) || ok && !got.Equal(want) {
			t.Fatalf("APIDate(%q) = %v, %v; time.Parse: %v, %v", s, got, ok, want, err)
		}
	})
}

// A certificate valid until a day is valid all that day in Vietnam, and
// lapsed from the next midnight there (17:00 UTC); an end date that does
// not read counts as lapsed.
func TestExpired(t *testing.T) {
	tests := []struct {
		until string
		now   string
		want  bool
	}{
		{"2026-11-20", "2026-11-20T16:59:59Z", false}, // 23:59:59 on the 20th in Vietnam
		{"2026-11-20", "2026-11-20T17:00:00Z", true},  // midnight of the 21st
		{"2026-11-20", "2026-11-19T17:00:00Z", false},
		{"2024-02-29", "2024-02-29T12:00:00Z", false},
		{"2024-02-29", "2024-02-29T17:00:00Z", true},
		{"2025-02-29", "2020-01-01T00:00:00Z", true}, // no such day
		{"", "2020-01-01T00:00:00Z", true},
		{"20/11/2026", "2020-01-01T00:00:00Z", true},
	}
	for _, tt := range tests {
		now, err := time.Parse(time.RFC3339, tt.now)
		if err != nil {
			t.Fatal(err)
		}
		if got := ocop.Expired(tt.until, now); got != tt.want {
			t.Errorf("Expired(%q, %s) = %v, want %v", tt.until, tt.now, got, tt.want)
		}
	}
}
