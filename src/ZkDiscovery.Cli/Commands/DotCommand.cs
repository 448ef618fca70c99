using System.CommandLine;
using ZkDiscovery.Nodes;
using static ZkDiscovery.Cli.Commands.CommandSupport;

namespace ZkDiscovery.Cli.Commands;

/// <summary><c>zkd dot</c>: print the tree and its links as a Graphviz DOT digraph.</summary>
internal static class DotCommand
{
    public static Command Create()
    {
        var connection = new ConnectionOptions();
        var path = new Argument<string?>("PATH") { Description = "The subtree to draw (default /).", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("dot", "Print the tree and its links as a Graphviz DOT digraph.") { path };
        connection.AddTo(command);
        command.SetAction((result, ct) => RunAsync(async () =>
        {
            var target = RequirePath(result.GetValue(path) ?? "/");
            var client = await connection.ConnectAsync(result, null, ct).ConfigureAwait(false);
            await using var clientScope = client.ConfigureAwait(false);
            var tree = await new ZooKeeperNodes(client).ExportTreeAsync(target, false, ct).ConfigureAwait(false);
            string dot;
            if (tree is null)
            {
                dot = TreeText.ToDot(new TreeNode(string.Empty), target);
            }
            else if (target == "/")
            {
                dot = TreeText.ToDot(tree, "/");
            }
            else
            {
                var root = new TreeNode(string.Empty);
                root.Children.Add(tree);
                dot = TreeText.ToDot(root, ZooKeeperPath.GetParent(target) ?? "/");
            }
            await Console.Out.WriteAsync(dot).ConfigureAwait(false);
            return ExitCodes.Success;
        }));
        return command;
    }
}
