package calendars

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rythmehq/rythme"
)

// Limits on an import file.
const (
	MaxImportRows  = 5000
	MaxImportBytes = 5 << 20
)

// Import formats.
const (
	ImportCSV  = "csv"
	ImportJSON = "json"
)

// ImportColumns are the columns (CSV header names, JSON keys) an import
// may have; content, scheduled_at and accounts are required.
var ImportColumns = []string{"content", "scheduled_at", "timezone", "accounts", "tags", "author", "first_comment",
	"poll_options", "poll_duration_minutes", "poll_multiple"}

// ImportRow is one valid row of an import, ready to become a post.
type ImportRow struct {
	// Line is where the row starts in the file (1-based): the CSV
	// record's line, the line of the JSON object's "{". Row is its rank
	// among the data rows (1-based, header not counted).
	Line int `json:"line"`
	Row  int `json:"row"`
	// Content is the post's text.
	Content string `json:"content"`
	// ScheduledAt is the instant, in UTC. Whether it is in the past is
	// for the caller to judge (it holds the clock).
	ScheduledAt time.Time `json:"scheduled_at"`
	// Timezone is the post's IANA zone: the row's, else the default.
	Timezone string `json:"timezone"`
	// Resolution says how a local scheduled_at became an instant (see
	// Resolve); Exact for a time given with its offset.
	Resolution Resolution `json:"resolution"`
	Accounts   []string   `json:"accounts"`
	Tags       []string   `json:"tags"`
	Author     string     `json:"author,omitempty"`
	// FirstComment and Poll are the post's first comment and native poll
	// (rythme.Post's; "" and nil for none); the poll's shape and each
	// network's rules on both are the caller's check.
	FirstComment string       `json:"first_comment,omitempty"`
	Poll         *rythme.Poll `json:"poll,omitempty"`
}

// RowError is one problem of an import. Row 0 (with Field "" or a column
// name) is about the whole file: too large, too many rows, a bad header,
// broken CSV or JSON syntax; parsing stops there.
type RowError struct {
	Line    int    `json:"line"`
	Row     int    `json:"row"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e RowError) Error() string {
	switch {
	case e.Line == 0 && e.Field == "":
		return e.Message
	case e.Line == 0:
		return e.Field + ": " + e.Message
	case e.Field == "":
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, e.Message)
}

// ParseImport reads posts to create from a CSV or JSON file and validates
// every row, reporting each problem with its line and field.
//
// CSV (encoding/csv, RFC 4180): a header row naming ImportColumns in any
// order (case and spaces ignored; an unknown column is an error so that a
// typo does not lose data; a column with an empty name is ignored), then one post per record. A header with
// semicolons and no comma switches the delimiter to ";" (as spreadsheets
// set to some locales write). A UTF-8 byte order mark is skipped.
//
// JSON: an array of objects with the same keys; accounts and tags may be
// arrays of strings or semicolon-separated strings.
//
// Each row: content required (at most rythme.MaxContentBytes, UTF-8);
// scheduled_at required, either RFC 3339 with an offset
// ("2026-03-29T09:30:00+02:00", the instant it names) or local
// ("2026-03-29 09:30", "2026-03-29T09:30:00"), read in the row's timezone
// or else zoneDefault and resolved as Resolve does (the resolution is
// reported on the row); timezone an IANA zone or empty; accounts
// semicolon-separated account ids ("acc_…;acc_…"), at least one, at most
// rythme.MaxTargets, none twice; tags semicolon-separated, at most
// rythme.MaxTags of at most rythme.MaxTagLength characters; author at most
// rythme.MaxAuthorLength characters; first_comment the text published
// right after the post; a poll as poll_options (semicolon-separated, or a
// JSON array of strings), poll_duration_minutes (a whole number, required
// with options) and poll_multiple (true or false; default false). Whether
// accounts exist, and what each network takes, is the caller's check.
//
// The file may hold at most MaxImportBytes and MaxImportRows rows. Valid
// rows come back in file order; a row with any error is left out and its
// errors reported. format is ImportCSV or ImportJSON.
func ParseImport(r io.Reader, format string, zoneDefault string) ([]ImportRow, []RowError) {
	fileErr := func(field, format string, args ...any) []RowError {
		return []RowError{{Field: field, Message: fmt.Sprintf(format, args...)}}
	}
	if _, err := LoadZone(zoneDefault); err != nil {
		return nil, fileErr("timezone", "%s", ErrZone.Error())
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, fileErr("", "the file could not be read")
	}
	if len(data) > MaxImportBytes {
		return nil, fileErr("", "the file is larger than %d MiB", MaxImportBytes>>20)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var raws []rawRow
	var errs []RowError
	switch strings.ToLower(format) {
	case ImportCSV:
		raws, errs = readCSV(data)
	case ImportJSON:
		raws, errs = readJSON(data)
	default:
		return nil, fileErr("format", "must be csv or json")
	}
	if len(raws) == 0 && len(errs) == 0 {
		return nil, fileErr("", "the file has no rows to import")
	}
	var rows []ImportRow
	for _, raw := range raws {
		row, rowErrs := raw.validate(zoneDefault)
		if len(rowErrs) > 0 {
			errs = append(errs, rowErrs...)
			continue
		}
		rows = append(rows, row)
	}
	return rows, errs
}

// rawRow is a row as read, before validation. A list column holds its
// items; typeErr names columns of the wrong JSON type.
type rawRow struct {
	line, row int
	fields    map[string]string
	lists     map[string][]string
	typeErr   map[string]string
}

func readCSV(data []byte) ([]rawRow, []RowError) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	firstLine, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.IndexByte(firstLine, ';') >= 0 && bytes.IndexByte(firstLine, ',') < 0 {
		cr.Comma = ';'
	}
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, []RowError{{Message: "the file is empty: it needs a header row (" + strings.Join(ImportColumns, ",") + ")"}}
	}
	if err != nil {
		return nil, []RowError{csvError(err)}
	}
	cols, errs := readHeader(header)
	if len(errs) > 0 {
		return nil, errs
	}
	var rows []rawRow
	for n := 1; ; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, []RowError{csvError(err)}
		}
		if n > MaxImportRows {
			return nil, []RowError{{Message: fmt.Sprintf("the file has more than %d rows", MaxImportRows)}}
		}
		line, _ := cr.FieldPos(0)
		raw := rawRow{line: line, row: n, fields: map[string]string{}, lists: map[string][]string{}}
		if len(rec) != len(cols) {
			raw.typeErr = map[string]string{"": fmt.Sprintf("has %d fields, the header has %d", len(rec), len(cols))}
		}
		for i, v := range rec {
			if i < len(cols) {
				raw.set(cols[i], v)
			}
		}
		rows = append(rows, raw)
	}
	return rows, nil
}

func csvError(err error) RowError {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return RowError{Line: pe.Line, Message: "CSV syntax: " + pe.Err.Error()}
	}
	return RowError{Message: "CSV syntax: " + err.Error()}
}

func readHeader(header []string) ([]string, []RowError) {
	var errs []RowError
	seen := map[string]bool{}
	cols := make([]string, len(header))
	for i, h := range header {
		c := strings.ToLower(strings.TrimSpace(h))
		cols[i] = c
		switch {
		case c == "": // a trailing empty column, as spreadsheets write: ignored
			continue
		case !knownColumn(c):
			errs = append(errs, RowError{Line: 1, Field: h, Message: "is not a known column (" + strings.Join(ImportColumns, ", ") + ")"})
		case seen[c]:
			errs = append(errs, RowError{Line: 1, Field: h, Message: "is a column listed twice"})
		}
		seen[c] = true
	}
	for _, req := range []string{"content", "scheduled_at", "accounts"} {
		if !seen[req] {
			errs = append(errs, RowError{Line: 1, Field: req, Message: "column is required"})
		}
	}
	return cols, errs
}

func knownColumn(c string) bool {
	for _, k := range ImportColumns {
		if c == k {
			return true
		}
	}
	return false
}

func readJSON(data []byte) ([]rawRow, []RowError) {
	// lineAt gives the line of the first non-blank byte at or after off
	// (json's offsets point just before the byte at fault).
	lineAt := func(off int64) int {
		i := min(int(off), len(data))
		for i < len(data) && strings.IndexByte(" \t\r\n", data[i]) >= 0 {
			i++
		}
		return 1 + bytes.Count(data[:i], []byte("\n"))
	}
	syntax := func(err error, dec *json.Decoder) []RowError {
		off := dec.InputOffset()
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off = se.Offset
		}
		return []RowError{{Line: lineAt(off), Message: "JSON syntax: " + err.Error()}}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return nil, []RowError{{Message: "the file is empty: it needs an array of objects"}}
	}
	if err != nil {
		return nil, syntax(err, dec)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, []RowError{{Line: 1, Message: "the file must be a JSON array of objects"}}
	}
	var rows []rawRow
	for n := 1; dec.More(); n++ {
		if n > MaxImportRows {
			return nil, []RowError{{Message: fmt.Sprintf("the file has more than %d rows", MaxImportRows)}}
		}
		start := int(dec.InputOffset())
		for start < len(data) && strings.IndexByte(" \t\r\n,", data[start]) >= 0 {
			start++
		}
		var obj map[string]json.RawMessage
		if err := dec.Decode(&obj); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				rows = append(rows, rawRow{line: lineAt(int64(start)), row: n, typeErr: map[string]string{"": "must be an object"}})
				continue
			}
			return nil, syntax(err, dec)
		}
		raw := rawRow{line: lineAt(int64(start)), row: n, fields: map[string]string{}, lists: map[string][]string{}, typeErr: map[string]string{}}
		for k, v := range obj {
			raw.setJSON(k, v)
		}
		rows = append(rows, raw)
	}
	if _, err := dec.Token(); err != nil {
		return nil, syntax(err, dec)
	}
	return rows, nil
}

// set stores a CSV cell: list columns split on semicolons; cells of an
// unnamed column are dropped.
func (r *rawRow) set(col, v string) {
	if col == "" {
		return
	}
	if isListColumn(col) {
		r.lists[col] = splitList(v)
		return
	}
	r.fields[col] = v
}

// setJSON stores a JSON member: strings everywhere, arrays of strings
// allowed for the list columns; anything else is a type error.
func (r *rawRow) setJSON(key string, v json.RawMessage) {
	if !knownColumn(key) {
		r.typeErr[key] = "is not a known field (" + strings.Join(ImportColumns, ", ") + ")"
		return
	}
	if string(v) == "null" {
		return
	}
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		r.set(key, s)
		return
	}
	var list []string
	switch key {
	case "accounts", "tags":
		if err := json.Unmarshal(v, &list); err == nil {
			r.lists[key] = splitList(strings.Join(list, ";"))
			return
		}
		r.typeErr[key] = "must be a string or an array of strings"
		return
	case "poll_options": // an array keeps each option whole, semicolons and all
		if err := json.Unmarshal(v, &list); err == nil {
			for _, o := range list {
				r.lists[key] = append(r.lists[key], strings.TrimSpace(o))
			}
			return
		}
		r.typeErr[key] = "must be a string or an array of strings"
		return
	case "poll_duration_minutes":
		var n json.Number
		if err := json.Unmarshal(v, &n); err == nil {
			r.fields[key] = n.String()
			return
		}
		r.typeErr[key] = "must be a number or a string"
		return
	case "poll_multiple":
		var b bool
		if err := json.Unmarshal(v, &b); err == nil {
			r.fields[key] = strconv.FormatBool(b)
			return
		}
		r.typeErr[key] = "must be true or false"
		return
	}
	r.typeErr[key] = "must be a string"
}

// isListColumn says whether col holds a list (semicolon-separated in CSV).
func isListColumn(col string) bool {
	return col == "accounts" || col == "tags" || col == "poll_options"
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// poll reads the row's poll columns: nil when they are all empty, else
// the poll, what is missing or malformed reported through add.
func (r rawRow) poll(add func(field, format string, args ...any), bad func(string) bool) *rythme.Poll {
	dur := strings.TrimSpace(r.fields["poll_duration_minutes"])
	multi := strings.ToLower(strings.TrimSpace(r.fields["poll_multiple"]))
	if len(r.lists["poll_options"]) == 0 && dur == "" && multi == "" && !bad("poll_options") {
		return nil
	}
	p := &rythme.Poll{Options: r.lists["poll_options"]}
	if len(p.Options) == 0 && !bad("poll_options") {
		add("poll_options", "is required with poll_duration_minutes or poll_multiple")
	}
	switch n, err := strconv.Atoi(dur); {
	case bad("poll_duration_minutes"):
	case dur == "":
		add("poll_duration_minutes", "is required with a poll")
	case err != nil || n <= 0:
		add("poll_duration_minutes", "must be a positive whole number of minutes")
	default:
		p.DurationMinutes = n
	}
	switch multi {
	case "", "false", "no", "0":
	case "true", "yes", "1":
		p.Multiple = true
	default:
		if !bad("poll_multiple") {
			add("poll_multiple", "must be true or false")
		}
	}
	return p
}

// localLayouts are the zone-less forms scheduled_at may take.
var localLayouts = []string{"2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02T15:04:05"}

func (r rawRow) validate(zoneDefault string) (ImportRow, []RowError) {
	var errs []RowError
	add := func(field, format string, args ...any) {
		errs = append(errs, RowError{Line: r.line, Row: r.row, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if msg, ok := r.typeErr[""]; ok { // the row as a whole is unusable
		add("", "%s", msg)
		return ImportRow{}, errs
	}
	for _, field := range slices.Sorted(maps.Keys(r.typeErr)) {
		add(field, "%s", r.typeErr[field])
	}
	bad := func(field string) bool { _, ok := r.typeErr[field]; return ok }
	row := ImportRow{Line: r.line, Row: r.row, Content: r.fields["content"], Author: r.fields["author"],
		Accounts: r.lists["accounts"], Tags: r.lists["tags"], Timezone: strings.TrimSpace(r.fields["timezone"]),
		FirstComment: r.fields["first_comment"]}
	row.Poll = r.poll(add, bad)

	switch {
	case bad("content"):
	case strings.TrimSpace(row.Content) == "":
		add("content", "is required")
	case len(row.Content) > rythme.MaxContentBytes:
		add("content", "is longer than %d bytes", rythme.MaxContentBytes)
	case !utf8.ValidString(row.Content):
		add("content", "is not valid UTF-8")
	}

	zoneName := row.Timezone
	if zoneName == "" {
		zoneName = zoneDefault
	}
	zone, err := LoadZone(zoneName)
	if err != nil && !bad("timezone") {
		add("timezone", "%s", ErrZone.Error())
	}
	row.Timezone = zoneName
	if zone == time.UTC {
		row.Timezone = "UTC"
	}
	at := strings.TrimSpace(r.fields["scheduled_at"])
	switch t, err := time.Parse(time.RFC3339Nano, at); {
	case bad("scheduled_at"):
	case at == "":
		add("scheduled_at", "is required")
	case err == nil:
		row.ScheduledAt, row.Resolution = t.UTC().Truncate(time.Microsecond), Exact
	default:
		ok := false
		for _, layout := range localLayouts {
			if t, err := time.Parse(layout, at); err == nil {
				ok = true
				if zone != nil {
					local, res := ResolveTime(t, zone)
					row.ScheduledAt, row.Resolution = local.UTC(), res
				}
				break
			}
		}
		if !ok {
			add("scheduled_at", `must be RFC 3339 with an offset (2026-03-29T09:30:00+02:00) or local "2026-03-29 09:30" with a timezone`)
		}
	}

	switch {
	case bad("accounts"):
	case len(row.Accounts) == 0:
		add("accounts", "at least one account id is required")
	case len(row.Accounts) > rythme.MaxTargets:
		add("accounts", "at most %d accounts", rythme.MaxTargets)
	}
	seen := map[string]bool{}
	for _, id := range row.Accounts {
		switch {
		case !rythme.ValidID(rythme.PrefixAccount, id):
			add("accounts", "%q is not an account id", id)
		case seen[id]:
			add("accounts", "%q is listed twice", id)
		}
		seen[id] = true
	}
	if len(row.Tags) > rythme.MaxTags {
		add("tags", "at most %d tags", rythme.MaxTags)
	}
	for _, tag := range row.Tags {
		if utf8.RuneCountInString(tag) > rythme.MaxTagLength || !utf8.ValidString(tag) {
			add("tags", "%q is longer than %d characters", tag, rythme.MaxTagLength)
		}
	}
	if !bad("author") && utf8.RuneCountInString(row.Author) > rythme.MaxAuthorLength || !utf8.ValidString(row.Author) {
		add("author", "at most %d characters", rythme.MaxAuthorLength)
	}
	return row, errs
}
