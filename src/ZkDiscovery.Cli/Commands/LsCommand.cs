using System.CommandLine;
using ZkDiscovery.Nodes;
using static ZkDiscovery.Cli.Commands.CommandSupport;

namespace ZkDiscovery.Cli.Commands;

/// <summary><c>zkd ls</c>: list a node's children, one per line.</summary>
internal static class LsCommand
{
    public static Command Create()
    {
        var connection = new ConnectionOptions();
        var path = new Argument<string>("PATH") { Description = "The node; symbolic links are followed." };
        var command = new Command("ls", "List a node's children, one per line.") { path };
        connection.AddTo(command);
        command.SetAction((result, ct) => RunAsync(async () =>
        {
            var target = RequirePath(result.GetValue(path)!);
            var client = await connection.ConnectAsync(result, null, ct).ConfigureAwait(false);
            await using var clientScope = client.ConfigureAwait(false);
            var real = await new ZooKeeperNodes(client).ResolvePathAsync(target, ct).ConfigureAwait(false);
            var children = await client.GetChildrenAsync(real, null, ct).ConfigureAwait(false);
            await WriteLinesAsync(children.Children.Order(StringComparer.Ordinal)).ConfigureAwait(false);
            return ExitCodes.Success;
        }));
        return command;
    }
}
