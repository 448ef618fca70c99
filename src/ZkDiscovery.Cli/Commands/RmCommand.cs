using System.CommandLine;
using ZkDiscovery.Nodes;
using static ZkDiscovery.Cli.Commands.CommandSupport;

namespace ZkDiscovery.Cli.Commands;

/// <summary><c>zkd rm</c>: delete a node (with -r, its subtree). Ephemeral nodes are kept unless --force.</summary>
internal static class RmCommand
{
    public static Command Create()
    {
        var connection = new ConnectionOptions();
        var recursive = new Option<bool>("--recursive", "-r") { Description = "Delete the node's subtree too." };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Change nothing; report what would be deleted." };
        var force = new Option<bool>("--force") { Description = "Delete ephemeral nodes too." };
        var path = new Argument<string>("PATH") { Description = "The node (a real path)." };
        var command = new Command("rm", "Delete a node (with -r, its subtree). Ephemeral nodes are kept unless --force.") { recursive, dryRun, force, path };
        connection.AddTo(command);
        command.SetAction((result, ct) => RunAsync(async () =>
        {
            var target = RequirePath(result.GetValue(path)!);
            if (target == "/")
            {
                throw new CliUsageException("The root cannot be deleted.");
            }
            var client = await connection.ConnectAsync(result, null, ct).ConfigureAwait(false);
            await using var clientScope = client.ConfigureAwait(false);
            var isDryRun = result.GetValue(dryRun);
            var isForce = result.GetValue(force);
            if (result.GetValue(recursive))
            {
                var report = await new ZooKeeperNodes(client).DeleteRecursiveAsync(target, isDryRun, isForce, ct).ConfigureAwait(false);
                await WriteLinesAsync(report).ConfigureAwait(false);
                return ExitCodes.Success;
            }
            var nodeStat = await client.ExistsAsync(target, null, ct).ConfigureAwait(false) ?? throw new NoNodeException(target);
            var keep = nodeStat.IsEphemeral && !isForce;
            if (isDryRun)
            {
                await Console.Out.WriteLineAsync(keep ? $"wouldn't delete {target} because it's ephemeral." : $"would delete {target}.").ConfigureAwait(false);
            }
            else if (keep)
            {
                await Console.Out.WriteLineAsync($"Not deleting {target} because it's ephemeral.").ConfigureAwait(false);
            }
            else
            {
                await client.DeleteAsync(target, -1, ct).ConfigureAwait(false);
            }
            return ExitCodes.Success;
        }));
        return command;
    }
}
