// Command go-service is an HTTP JSON API served by sluice from a Go program,
// on its own listener: each request is answered by a Go handler that makes a
// blocking, database-like call. filter.Async runs the handler off the
// worker, so a slow call does not hold up the other connections, and the
// answers still go out in request order.
//
//	go run ./examples/go-service -listen 127.0.0.1:8000
//	curl -d '{"name":"ada"}' http://127.0.0.1:8000/users
//	curl http://127.0.0.1:8000/users/1
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sluice-go/sluice/codec/http1"
	"github.com/sluice-go/sluice/event"
	"github.com/sluice-go/sluice/filter"
	"github.com/sluice-go/sluice/pipeline"
)

// User is what the API stores and returns.
type User struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// DB stands for a database: every call blocks for a round trip.
type DB struct {
	// RoundTrip is the call's wait; it returns early with ctx's error when
	// the client leaves.
	RoundTrip func(ctx context.Context) error

	mu    sync.Mutex
	users map[int]User
	next  int
}

// NewDB returns an empty store whose calls take latency each.
func NewDB(latency time.Duration) *DB {
	return &DB{RoundTrip: func(ctx context.Context) error {
		t := time.NewTimer(latency)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
}

// errNotFound is answered with a 404.
var errNotFound = &filter.StatusError{Status: 404, Body: `{"error":"no such user"}`}

// Get returns the user with id.
func (db *DB) Get(ctx context.Context, id int) (User, error) {
	if err := db.RoundTrip(ctx); err != nil {
		return User{}, err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	u, ok := db.users[id]
	if !ok {
		return User{}, errNotFound
	}
	return u, nil
}

// Add stores a new user and returns it with its id.
func (db *DB) Add(ctx context.Context, name string) (User, error) {
	if err := db.RoundTrip(ctx); err != nil {
		return User{}, err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.users == nil {
		db.users = map[int]User{}
	}
	db.next++
	u := User{ID: db.next, Name: name}
	db.users[u.ID] = u
	return u, nil
}

// API returns the handler answering GET /users/{id} and POST /users.
func API(db *DB) filter.Handler {
	return func(ctx context.Context, msg *event.Message) (*event.Message, error) {
		req, ok := http1.RequestOf(msg)
		if !ok {
			return nil, errors.New("not an HTTP request")
		}
		u, err := req.URL()
		if err != nil {
			return http1.Response(400, "bad request target"), nil
		}
		switch {
		case req.Method == "POST" && u.Path == "/users":
			var in struct{ Name string }
			if err := http1.ReadJSON(msg, &in); err != nil || in.Name == "" {
				return http1.JSON(400, map[string]string{"error": "want {\"name\": ...}"})
			}
			user, err := db.Add(ctx, in.Name)
			if err != nil {
				return nil, err
			}
			return http1.JSON(201, user)
		case req.Method == "GET" && strings.HasPrefix(u.Path, "/users/"):
			id, err := strconv.Atoi(strings.TrimPrefix(u.Path, "/users/"))
			if err != nil {
				return http1.Response(404, ""), nil
			}
			user, err := db.Get(ctx, id)
			if err != nil {
				return nil, err // errNotFound answers 404, anything else 500
			}
			return http1.JSON(200, user)
		}
		return http1.Response(404, ""), nil
	}
}

// Pipeline is the service: HTTP in, the API's answers out.
func Pipeline(db *DB) *pipeline.Pipeline {
	return pipeline.New("go-service",
		http1.DecodeRequest(),
		filter.Async(API(db), filter.AsyncOptions{Concurrency: 256}),
		http1.EncodeResponse(nil),
	)
}

func main() {
	addr := flag.String("listen", "127.0.0.1:8000", "address to listen on")
	latency := flag.Duration("latency", 5*time.Millisecond, "the database's round trip")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("go-service: listening on %s", ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := pipeline.Serve(ctx, ln, Pipeline(NewDB(*latency))); err != nil && !errors.Is(err, context.Canceled) {
		log.Fatal(err)
	}
}
