package generator

// tables are the generator's fixed inputs: the lists records draw from and
// the text their padding is cut from. They are built once by New and only
// read after, so concurrent reads share them safely.
type tables struct {
	first, last, company, country, domain []string
	types                                 []interactionType
	// text is the padding text: words and single spaces, twice as long
	// as the largest record, so that a padding of any size can start at
	// any of starts.
	text []byte
	// starts are the offsets of the words of text's first half.
	starts []int
}

// textSeed picks the padding text's words; it is fixed, so that the text,
// and with it every record, is the same in every build.
const textSeed = 0x7e47

func newTables() *tables {
	t := &tables{
		first:   firstNames(),
		last:    lastNames(),
		company: companies(),
		country: countries(),
		domain:  emailDomains(),
		types:   interactionTypes(),
	}
	words := loremWords()
	r := rng{state: textSeed}
	t.text = make([]byte, 0, 2*MaxRecordSize+maxLen(words)+1)
	for len(t.text) < 2*MaxRecordSize {
		if len(t.text) <= MaxRecordSize {
			t.starts = append(t.starts, len(t.text))
		}
		t.text = append(t.text, words[r.below(len(words))]...)
		t.text = append(t.text, ' ')
	}
	return t
}

// pick returns an entry of list.
func pick[E any](r *rng, list []E) E { return list[r.below(len(list))] }
