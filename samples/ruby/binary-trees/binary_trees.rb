# The binary-trees kernel (allocation): the Computer Language Benchmarks Game program, sized by its
# first argument (maximum depth), single-threaded; a node is a two-element array of its children.

def bottom_up(depth)
  return [nil, nil] if depth <= 0

  [bottom_up(depth - 1), bottom_up(depth - 1)]
end

def check(tree)
  left, right = tree
  return 1 if left.nil?

  1 + check(left) + check(right)
end

n = Integer(ARGV[0], exception: false)
unless n
  warn "usage: binary-trees MAX_DEPTH"
  exit 2
end
min_depth = 4
max_depth = [n, min_depth + 2].max
stretch = max_depth + 1
puts "stretch tree of depth #{stretch}\t check: #{check(bottom_up(stretch))}"
long_lived = bottom_up(max_depth)
min_depth.step(max_depth, 2) do |depth|
  iterations = 1 << (max_depth - depth + min_depth)
  total = iterations.times.sum { check(bottom_up(depth)) }
  puts "#{iterations}\t trees of depth #{depth}\t check: #{total}"
end
puts "long lived tree of depth #{max_depth}\t check: #{check(long_lived)}"
