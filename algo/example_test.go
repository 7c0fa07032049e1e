package algo_test

import (
	"fmt"
	"time"

	"github.com/sluice-go/sluice/algo"
)

func ExampleURLRouter() {
	var r algo.URLRouter[string]
	for pattern, service := range map[string]string{
		"/*":               "default",
		"/api/*":           "api",
		"/api/health":      "health",
		"shop.example/*":   "shop",
		"*.example/static": "static",
	} {
		if err := r.Add(pattern, service); err != nil {
			fmt.Println(err)
		}
	}
	for _, url := range []string{
		"/index.html",
		"/api/v1/users?id=7",
		"/api/health",
		"shop.example:8080/cart",
		"cdn.example/static",
		algo.JoinURL("other.example", "/api/x"),
	} {
		service, _ := r.Find(url)
		fmt.Println(url, "→", service)
	}
	fmt.Println(r.Add("host:80/x", "?"))
	// Output:
	// /index.html → default
	// /api/v1/users?id=7 → api
	// /api/health → health
	// shop.example:8080/cart → shop
	// cdn.example/static → static
	// other.example/api/x → api
	// algo: invalid URL pattern
}

func ExampleCache() {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := algo.NewCache[string](2, time.Minute, func() time.Time { return now })
	c.Set("a", "alpha", nil)
	c.Set("b", "beta", nil)
	c.Get("a") // a is now the most recently used
	for _, e := range c.Set("c", "gamma", nil) {
		fmt.Println("evicted", e.Key, e.Value)
	}
	now = now.Add(2 * time.Minute)
	_, ok, expired := c.Get("a")
	fmt.Println("a live:", ok, "dropped:", len(expired))
	// Output:
	// evicted b beta
	// a live: false dropped: 1
}

func ExampleRoundRobin() {
	r := algo.NewRoundRobin()
	r.Set("10.0.0.1:80", 2)
	r.Set("10.0.0.2:80", 1)
	for range 3 {
		t, _ := r.Pick(0, nil)
		fmt.Println(t)
	}
	down := func(t string) bool { return t == "10.0.0.1:80" }
	t, _ := r.Pick(0, down)
	fmt.Println(t)
	// Output:
	// 10.0.0.1:80
	// 10.0.0.2:80
	// 10.0.0.1:80
	// 10.0.0.2:80
}

func ExampleLeastWork() {
	l := algo.NewLeastWork()
	l.Set("a", 1)
	l.Set("b", 1)
	first, _ := l.Pick(0, nil)
	second, _ := l.Pick(0, nil)
	l.Release(first) // the work given to a is done
	third, _ := l.Pick(0, nil)
	fmt.Println(first, second, third)
	// Output:
	// a b a
}

func ExampleHashing() {
	var h algo.Hashing
	h.Add("a")
	h.Add("b")
	h.Add("c")
	key := algo.HashString("client-42")
	first, _ := h.Pick(key, nil)
	again, _ := h.Pick(key, nil)
	fmt.Println(first == again)
	// Output:
	// true
}

func ExampleResourcePool() {
	p := algo.NewResourcePool[string]()
	next := 0
	allocate := func(pool, tenant string) string {
		if r, ok := p.Held(pool, tenant); ok {
			return r // a tenant gets one resource per pool
		}
		r, ok := p.Take(pool)
		if !ok {
			next++
			r = fmt.Sprintf("%s-conn-%d", pool, next)
		}
		p.Lend(r, r, pool, tenant)
		return r
	}
	fmt.Println(allocate("db", "session-1"))
	fmt.Println(allocate("db", "session-1"))
	fmt.Println(allocate("db", "session-2"))
	fmt.Println("freed:", p.FreeTag("session-1"))
	fmt.Println(allocate("db", "session-3"))
	// Output:
	// db-conn-1
	// db-conn-1
	// db-conn-2
	// freed: 1
	// db-conn-1
}
