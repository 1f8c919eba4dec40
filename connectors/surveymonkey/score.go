package surveymonkey

import (
	"strconv"
	"strings"
)

// Score kinds and NPS categories, as records carry them.
const (
	kindNPS  = "nps"
	kindCSAT = "csat"

	promoter  = "promoter"
	passive   = "passive"
	detractor = "detractor"
)

// scoreOf returns the score of the chosen choice of a score question: for
// NPS the choice's number (0 to 10), for CSAT its position (1 to the
// number of choices). ok is false when the choice is unknown or an NPS
// choice is not a number from 0 to 10.
func scoreOf(q *question, choiceID string) (score int, ok bool) {
	c, found := q.Choices[choiceID]
	if !found {
		return 0, false
	}
	if q.ScoreKind == kindCSAT {
		return c.Position, true
	}
	n, err := strconv.Atoi(strings.TrimSpace(c.Text))
	if err != nil || n < 0 || n > 10 {
		return 0, false
	}
	return n, true
}

// npsCategory is the NPS category of a score: 9 and 10 promote, 7 and 8
// are passive, 0 to 6 detract.
func npsCategory(score int) string {
	switch {
	case score >= 9:
		return promoter
	case score >= 7:
		return passive
	}
	return detractor
}
