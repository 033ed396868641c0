package ocop

import (
	"strconv"
	"time"
)

// This file is the one place estamp knows Vietnam's time: certificates
// are dated there, scans are counted per day there, and people read dates
// and times there. Copies of the zone in each package had drifted (a page,
// the CLI, custody and the store each had their own);
// TestVietnamTimeIsComputedInOnePlace keeps it to this file.

// DateLayout is how dates travel in the API: ISO 8601 calendar dates.
const DateLayout = time.DateOnly

// vietnam is UTC+7 all year (Asia/Ho_Chi_Minh has no daylight saving); a
// fixed zone avoids depending on the host's time-zone database.
var vietnam = time.FixedZone("ICT", vietnamOffset)

// vietnamOffset is Vietnam's offset from UTC in seconds.
const vietnamOffset = 7 * 60 * 60

// ParseDate reads a YYYY-MM-DD date of a named field.
func ParseDate(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, Invalid(field, "bắt buộc, dạng YYYY-MM-DD", "required, as YYYY-MM-DD")
	}
	t, ok := apiDate(s)
	if !ok {
		return time.Time{}, Invalid(field, "%q không phải ngày dạng YYYY-MM-DD", "%q is not a date of the form YYYY-MM-DD", s)
	}
	if t.Year() < 1990 || t.Year() > 2149 {
		return time.Time{}, Invalid(field, "%q nằm ngoài khoảng 1990..2149", "%q is outside 1990..2149", s)
	}
	return t, nil
}

// apiDate reads s as time.Parse(DateLayout, s) does, and accepts the
// same strings (FuzzAPIDate compares them), without its general layout
// machinery: every verification reads its certificate's end date, and
// time.Parse was a percent of a verification's CPU.
func apiDate(s string) (time.Time, bool) {
	if len(s) != len(DateLayout) || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // past the month's last day: Date normalised it
		return time.Time{}, false
	}
	return t, true
}

// digits reads a run of ASCII digits.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// FormatDate writes a date in the API's form.
func FormatDate(t time.Time) string { return t.Format(DateLayout) }

// Today is the calendar date of t in Vietnam, where certificates are dated,
// as midnight UTC of that date (how API dates parse).
func Today(t time.Time) time.Time {
	y, m, d := t.In(vietnam).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Expired reports whether a certificate valid until the API date until
// has lapsed on the day of now in Vietnam: the day after its last. A date
// that does not read as one counts as lapsed.
func Expired(until string, now time.Time) bool {
	last, ok := apiDate(until)
	return !ok || Today(now).After(last)
}

// Day is the calendar day of t in Vietnam as days since 1970-01-01: the
// day a stamp's later scans are counted on. It is counted in seconds, the
// offset being fixed, not through the calendar as Today is: every scan
// folded asks it.
func Day(t time.Time) int32 {
	s := t.Unix() + vietnamOffset
	d := s / 86400
	if s%86400 < 0 {
		d-- // days before 1970 end below zero
	}
	return int32(d)
}

// DayDate is a Day as the API writes dates: YYYY-MM-DD.
func DayDate(day int32) string {
	return FormatDate(time.Unix(int64(day)*86400, 0).UTC())
}

// DayStart is the first moment of a Day in Vietnam.
func DayStart(day int32) time.Time {
	y, m, d := time.Unix(int64(day)*86400, 0).UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, vietnam).UTC()
}

// ShowDate writes an API date as people read it: 20/08/2025 in Vietnamese,
// 20 Aug 2025 in English. Text that is not an API date is shown as it is.
func ShowDate(s string, lang Lang) string {
	d, ok := apiDate(s)
	if !ok {
		return s
	}
	return showDay(d, lang)
}

// ShowDay writes the calendar day of t in Vietnam as ShowDate does.
func ShowDay(t time.Time, lang Lang) string { return showDay(Today(t), lang) }

func showDay(d time.Time, lang Lang) string {
	if lang == EN {
		return d.Format("2 Jan 2006")
	}
	return d.Format("02/01/2006")
}

// ShowTime writes a moment in Vietnam's time as people read it:
// "10:00, 28/11/2026" in Vietnamese; in English, which a visitor reads
// with another zone in mind, "28 Nov 2026, 10:00 (UTC+7)".
func ShowTime(t time.Time, lang Lang) string {
	t = t.In(vietnam)
	if lang == EN {
		return t.Format("2 Jan 2006, 15:04") + " (UTC+7)"
	}
	return t.Format("15:04, 02/01/2006")
}

// TableTime writes a moment in Vietnam's time for the CLI's tables and
// fields: sortable, to the second, with the offset, for operators who
// compare it with logs.
func TableTime(t time.Time) string {
	return t.In(vietnam).Format("2006-01-02 15:04:05 -07:00")
}

// Ago says how long ago something happened as people say it: "vừa xong"
// under a minute, then minutes, hours and days ("5 phút trước", "3 hours
// ago"), never "0s".
func Ago(d time.Duration, lang Lang) string {
	type unit struct {
		size   time.Duration
		vi, en string
	}
	if d < time.Minute {
		if lang == EN {
			return "just now"
		}
		return "vừa xong"
	}
	u := unit{time.Minute, "phút", "minute"}
	switch {
	case d >= 48*time.Hour:
		u = unit{24 * time.Hour, "ngày", "day"}
	case d >= time.Hour:
		u = unit{time.Hour, "giờ", "hour"}
	}
	n := int(d / u.size)
	if lang == EN {
		if n == 1 {
			return "1 " + u.en + " ago"
		}
		return strconv.Itoa(n) + " " + u.en + "s ago"
	}
	return strconv.Itoa(n) + " " + u.vi + " trước"
}
