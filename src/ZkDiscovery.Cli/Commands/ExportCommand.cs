using System.CommandLine;
using ZkDiscovery.Nodes;
using static ZkDiscovery.Cli.Commands.CommandSupport;

namespace ZkDiscovery.Cli.Commands;

/// <summary><c>zkd export</c>: export a subtree as tree text.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var connection = new ConnectionOptions();
        var ephemeral = new Option<bool>("--ephemeral", "-e") { Description = "Include ephemeral nodes." };
        var name = new Option<string?>("--name") { Description = "Name the top node of the export NAME.", HelpName = "NAME" };
        var output = new Option<string?>("--output", "-o") { Description = "Write to FILE instead of standard output.", HelpName = "FILE" };
        var positional = new Argument<string[]>("CONNECTION-PATH") { Description = "[CONNECTION] [PATH]: an optional connection string, then the path to export (default /).", Arity = new ArgumentArity(0, 2) };
        var command = new Command("export", "Export a subtree as tree text.") { ephemeral, name, output, positional };
        connection.AddTo(command);
        command.SetAction((result, ct) => RunAsync(async () =>
        {
            var (conn, rest) = SplitConnection(result.GetValue(positional) ?? [], maxRest: 1);
            var path = rest.Count > 0 ? RequirePath(rest[0]) : "/";
            var client = await connection.ConnectAsync(result, conn, ct).ConfigureAwait(false);
            await using var clientScope = client.ConfigureAwait(false);
            var text = await new ZooKeeperNodes(client).ExportAsync(path, result.GetValue(ephemeral), result.GetValue(name), ct).ConfigureAwait(false);
            if (result.GetValue(output) is { } file)
            {
                await File.WriteAllTextAsync(file, text, ct).ConfigureAwait(false);
            }
            else
            {
                await Console.Out.WriteAsync(text).ConfigureAwait(false);
            }
            return ExitCodes.Success;
        }));
        return command;
    }
}
