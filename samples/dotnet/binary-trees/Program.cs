// The binary-trees kernel (allocation): the Computer Language Benchmarks Game program, sized by its
// first argument (maximum depth), single-threaded; nodes are garbage-collected objects.
if (args.Length < 1 || !int.TryParse(args[0], out int n))
{
    Console.Error.WriteLine("usage: binary-trees MAX_DEPTH");
    return 2;
}
const int minDepth = 4;
int maxDepth = Math.Max(n, minDepth + 2);
int stretch = maxDepth + 1;
Console.WriteLine($"stretch tree of depth {stretch}\t check: {Tree.BottomUp(stretch).Check()}");
var longLived = Tree.BottomUp(maxDepth);
for (int depth = minDepth; depth <= maxDepth; depth += 2)
{
    int iterations = 1 << (maxDepth - depth + minDepth);
    int sum = 0;
    for (int i = 0; i < iterations; i++) sum += Tree.BottomUp(depth).Check();
    Console.WriteLine($"{iterations}\t trees of depth {depth}\t check: {sum}");
}
Console.WriteLine($"long lived tree of depth {maxDepth}\t check: {longLived.Check()}");
return 0;

sealed class Tree
{
    readonly Tree? left, right;

    Tree(Tree? left, Tree? right)
    {
        this.left = left;
        this.right = right;
    }

    public static Tree BottomUp(int depth) =>
        depth > 0 ? new Tree(BottomUp(depth - 1), BottomUp(depth - 1)) : new Tree(null, null);

    public int Check() => left is null ? 1 : 1 + left.Check() + right!.Check();
}
