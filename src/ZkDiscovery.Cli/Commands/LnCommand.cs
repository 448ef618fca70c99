using System.CommandLine;
using ZkDiscovery.Nodes;
using static ZkDiscovery.Cli.Commands.CommandSupport;

namespace ZkDiscovery.Cli.Commands;

/// <summary><c>zkd ln</c>: make SOURCE a symbolic link to TARGET (property NAME -&gt; on SOURCE's parent).</summary>
internal static class LnCommand
{
    public static Command Create()
    {
        var connection = new ConnectionOptions();
        var target = new Argument<string>("TARGET") { Description = "The link target: absolute, or relative to SOURCE's parent; ending with / appends SOURCE's name." };
        var source = new Argument<string>("SOURCE") { Description = "The path the link makes available." };
        var command = new Command("ln", "Make SOURCE a symbolic link to TARGET (property NAME -> on SOURCE's parent).") { target, source };
        connection.AddTo(command);
        command.SetAction((result, ct) => RunAsync(async () =>
        {
            var sourcePath = RequirePath(result.GetValue(source)!);
            var client = await connection.ConnectAsync(result, null, ct).ConfigureAwait(false);
            await using var clientScope = client.ConfigureAwait(false);
            var link = await new ZooKeeperNodes(client).LinkAsync(result.GetValue(target)!, sourcePath, ct).ConfigureAwait(false);
            await Console.Out.WriteLineAsync($"{link.ParentPath} {link.PropertyName} {link.Target}").ConfigureAwait(false);
            return ExitCodes.Success;
        }));
        return command;
    }
}
