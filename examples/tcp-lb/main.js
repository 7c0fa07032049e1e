// tcp-lb: a TCP load balancer: each connection goes to the next of the
// upstreams listed in UPSTREAMS (comma-separated), round robin.
//
//   UPSTREAMS=127.0.0.1:9001,127.0.0.1:9002 go run ./cmd/sluice examples/tcp-lb/main.js
//   echo hello | nc -q1 127.0.0.1 8003

pipy({
  _balancer: new algo.RoundRobinLoadBalancer(
    (os.env.UPSTREAMS || '127.0.0.1:9001,127.0.0.1:9002')
      .split(',')
      .map(s => s.trim())
      .filter(s => s !== '')
  ),

  _target: undefined, // per connection: the upstream chosen for it
})

.listen(8003)
  .onSessionStart(
    () => _target = _balancer.select()
  )
  .connect(
    () => _target
  )
  .onSessionEnd(
    () => _balancer.deselect(_target)
  )
