"""binarytrees: allocates and walks many short-lived complete binary trees
alongside one long-lived tree — the allocator and garbage collector.
usage: binarytrees.py [DEPTH]; prints node counts per depth."""
import sys


def make(depth):
    if depth == 0:
        return (None, None)
    depth -= 1
    return (make(depth), make(depth))


def count(node):
    left, right = node
    return 1 if left is None else 1 + count(left) + count(right)


def main(max_depth):
    min_depth = 4
    max_depth = max(min_depth + 2, max_depth)
    print(f"stretch tree of depth {max_depth + 1}: {count(make(max_depth + 1))} nodes")
    long_lived = make(max_depth)
    for depth in range(min_depth, max_depth + 1, 2):
        trees = 2 ** (max_depth - depth + min_depth)
        nodes = sum(count(make(depth)) for _ in range(trees))
        print(f"{trees} trees of depth {depth}: {nodes} nodes")
    print(f"long-lived tree of depth {max_depth}: {count(long_lived)} nodes")


main(int(sys.argv[1]) if len(sys.argv) > 1 else 14)
