// Pure computation over strconv, fmt, sort, encoding/json, regexp, strings, math and
// big numbers: deterministic output that must be byte-identical on every host.
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

type Item struct {
	Name  string            `json:"name"`
	Price float64           `json:"price"`
	Tags  []string          `json:"tags,omitempty"`
	Attrs map[string]string `json:"attrs,omitempty"`
	Count int               `json:"count"`
}

func main() {
	// strconv
	for _, s := range []string{"42", "-17", "0x1f", "1e3", "abc", "9223372036854775808"} {
		i, err := strconv.ParseInt(s, 0, 64)
		fmt.Printf("ParseInt(%q) = %d, %v\n", s, i, err)
	}
	for _, s := range []string{"3.14159", "1e-10", "inf", "-0", "NaN", "0x1p-2"} {
		f, err := strconv.ParseFloat(s, 64)
		fmt.Printf("ParseFloat(%q) = %v, %v\n", s, f, err)
	}
	fmt.Println(strconv.FormatFloat(math.Pi, 'e', 12, 64), strconv.FormatFloat(1.0/3, 'g', -1, 32),
		strconv.Quote("tab\there \"q\" ünï"), strconv.QuoteToASCII("日本"), strconv.Itoa(-123456789))
	b, _ := strconv.ParseBool("TRUE")
	fmt.Println("bool:", b, strconv.FormatInt(-255, 16), strconv.FormatUint(1<<63, 36))

	// fmt verbs
	fmt.Printf("%5d|%-5d|%05d|%x|%X|%o|%b|%c|%U\n", 42, 42, 42, 3054, 3054, 8, 5, 0x1F600, 0x1F600)
	fmt.Printf("%8.3f|%-8.2e|%g|%G|%v\n", math.E, 123456.789, 1e21, 1e-7, float32(0.1))
	fmt.Printf("%q|%v|%+v|%#v|%T\n", "s", []int{1, 2}, struct{ A, B int }{1, 2}, map[string]int{"b": 2, "a": 1}, 1.5)
	fmt.Printf("%t|%p|%s|%10.4s|\n", true, nil, []byte("bytes"), "truncate")
	fmt.Println(fmt.Sprint(1, 2, "a", "b", 3.0), fmt.Sprintf("%[2]d %[1]d", 1, 2), fmt.Sprintf("%!", 1))

	// sort
	words := strings.Fields("the quick brown fox jumps over the lazy dog again and again")
	sort.Strings(words)
	fmt.Println("sorted:", words)
	sort.SliceStable(words, func(i, j int) bool { return len(words[i]) < len(words[j]) })
	fmt.Println("by length:", words)
	nums := []int{5, 2, 8, 1, 9, 3, 7, 4, 6, 0}
	sort.Sort(sort.Reverse(sort.IntSlice(nums)))
	fmt.Println("reverse:", nums, "search 3:", sort.SearchInts([]int{0, 1, 2, 3, 4}, 3))

	// json round trip, with map key ordering and HTML escaping
	items := []Item{
		{Name: "widget <b>", Price: 9.99, Tags: []string{"a", "b"}, Count: 3},
		{Name: "gadget & co", Price: 1e-3, Attrs: map[string]string{"z": "last", "a": "first"}},
	}
	out, err := json.Marshal(items)
	fmt.Println("json:", string(out), err)
	var back []Item
	err = json.Unmarshal(out, &back)
	fmt.Printf("unmarshal: %+v %v\n", back, err)
	var any interface{}
	err = json.Unmarshal([]byte(`{"n": 1.5e300, "arr": [1, "two", null, true], "obj": {"k": {}}}`), &any)
	pretty, _ := json.MarshalIndent(any, "", "  ")
	fmt.Println(string(pretty), err)
	err = json.Unmarshal([]byte(`{"name": 5}`), &back)
	fmt.Println("json error:", err)

	// regexp
	re := regexp.MustCompile(`(?i)(\w+)@(\w+)\.(com|org)`)
	text := "Mail bob@example.com, ALICE@Site.ORG and nobody@nowhere.net"
	fmt.Println("find all:", re.FindAllString(text, -1))
	fmt.Println("submatch:", re.FindStringSubmatch(text))
	fmt.Println("replace:", re.ReplaceAllString(text, "<$2:$1>"))
	fmt.Println("split:", regexp.MustCompile(`\s*[,;]\s*`).Split("a , b;c ;  d", -1))
	_, err = regexp.Compile(`a(b`)
	fmt.Println("bad regexp:", err)

	// strings, utf8, math, big
	s := "Grüße, 世界!"
	fmt.Println(len(s), utf8.RuneCountInString(s), strings.ToUpper(s), strings.Title("hello world"),
		strings.Repeat("ab", 3), strings.Map(func(r rune) rune { return r + 1 }, "HAL"))
	fmt.Println(math.Sqrt(2), math.Floor(-2.5), math.Round(2.5), math.Inf(1), -math.MaxFloat64,
		math.Mod(7, -3), math.Hypot(3, 4), math.Nextafter(1, 2))
	f := new(big.Int)
	f.MulRange(1, 50)
	fmt.Println("50! =", f.String())
	r := new(big.Rat).SetFrac64(1, 3)
	r.Add(r, big.NewRat(1, 6))
	fmt.Println("1/3 + 1/6 =", r, r.FloatString(10))

	// A bigger computation: primes below 200000 by sieve, and a hash over them.
	const N = 200000
	comp := make([]bool, N)
	count, h := 0, uint64(14695981039346656037)
	for i := 2; i < N; i++ {
		if comp[i] {
			continue
		}
		count++
		h = (h ^ uint64(i)) * 1099511628211
		for j := i * i; j < N; j += i {
			comp[j] = true
		}
	}
	fmt.Printf("primes below %d: %d, fnv %016x\n", N, count, h)
}
