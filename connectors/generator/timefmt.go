package generator

// appendTime appends Unix time sec (not before 1970) as an RFC 3339 UTC
// time, 2024-01-01T00:00:00Z, as time.Time.AppendFormat would, at a
// fraction of its cost: the date comes from the day number by Howard
// Hinnant's civil_from_days, in unsigned arithmetic (cheaper divisions).
func appendTime(dst []byte, sec int64) []byte {
	s := uint64(sec)
	days, rem := s/86400, s%86400
	z := days + 719468 // days since 0000-03-01
	era := z / 146097
	doe := z - era*146097                                  // day of the 400-year era
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // year of the era
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // day of the year, from March
	mp := (5*doy + 2) / 153                                // month, from March = 0
	day := doy - (153*mp+2)/5 + 1
	month, year := mp+3, yoe+era*400
	if mp >= 10 {
		month, year = mp-9, year+1
	}
	hour, minute, second := rem/3600, rem/60%60, rem%60
	return append(dst,
		byte('0'+year/1000%10), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+month/10), byte('0'+month%10), '-',
		byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':',
		byte('0'+minute/10), byte('0'+minute%10), ':',
		byte('0'+second/10), byte('0'+second%10), 'Z')
}
