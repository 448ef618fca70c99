using System.CommandLine;
using ZkDiscovery.Nodes;
using static ZkDiscovery.Cli.Commands.CommandSupport;

namespace ZkDiscovery.Cli.Commands;

/// <summary><c>zkd import</c>: import tree text: create and update nodes, report what changed.</summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var connection = new ConnectionOptions();
        var trim = new Option<bool>("--trim", "-t") { Description = "Delete existing nodes missing from the text (below the top-level imported nodes)." };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Change nothing; report what would be done." };
        var acl = new Option<string[]>("--acl") { Description = "An ACL entry SCHEME:ID:PERMS for the imported nodes (repeatable), e.g. world:anyone:r or digest:USER:PASSWORD:cdrwa.", HelpName = "ACL", AllowMultipleArgumentsPerToken = false };
        var positional = new Argument<string[]>("CONNECTION-FILE-PATH") { Description = "[CONNECTION] FILE|- [PATH]: an optional connection string, the tree text file (- for standard input), and the path to import under (default /).", Arity = new ArgumentArity(1, 3) };
        var command = new Command("import", "Import tree text: create and update nodes, report what changed.") { trim, dryRun, acl, positional };
        connection.AddTo(command);
        command.SetAction((result, ct) => RunAsync(async () =>
        {
            var args = result.GetValue(positional) ?? [];
            string? conn = null;
            string file;
            var path = "/";
            switch (args.Length)
            {
                case 3:
                    (conn, file, path) = (args[0], args[1], RequirePath(args[2]));
                    break;
                case 2 when ConnectionOptions.LooksLikeConnection(args[0]):
                    (conn, file) = (args[0], args[1]);
                    break;
                case 2:
                    (file, path) = (args[0], RequirePath(args[1]));
                    break;
                default:
                    file = args[0];
                    break;
            }
            var text = await ReadInputAsync(file, ct).ConfigureAwait(false);
            var tree = TreeText.Parse(text);
            var aclList = ConnectionOptions.ParseAcl(result.GetValue(acl));
            var client = await connection.ConnectAsync(result, conn, ct).ConfigureAwait(false);
            await using var clientScope = client.ConfigureAwait(false);
            var report = await new ZooKeeperNodes(client).ImportAsync(tree, path, result.GetValue(trim) ? true : null, result.GetValue(dryRun), aclList, ct).ConfigureAwait(false);
            await WriteLinesAsync(report).ConfigureAwait(false);
            return ExitCodes.Success;
        }));
        return command;
    }
}
