using System.CommandLine;
using System.Text.Json.Nodes;
using ZkDiscovery.Nodes;
using static ZkDiscovery.Cli.Commands.CommandSupport;

namespace ZkDiscovery.Cli.Commands;

/// <summary><c>zkd set-property</c>: set properties of a node (other properties are kept).</summary>
internal static class SetPropertyCommand
{
    public static Command Create()
    {
        var connection = new ConnectionOptions();
        var positional = new Argument<string[]>("ARGS") { Description = "[CONNECTION] PATH NAME=VALUE...: VALUE is JSON or a Python literal, as in tree text.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("set-property", "Set properties of a node (other properties are kept).") { positional };
        connection.AddTo(command);
        command.SetAction((result, ct) => RunAsync(async () =>
        {
            var args = result.GetValue(positional) ?? [];
            var index = 0;
            string? conn = null;
            if (args.Length > 0 && !args[0].StartsWith('/'))
            {
                conn = args[0];
                index = 1;
            }
            if (args.Length <= index || !args[index].StartsWith('/'))
            {
                throw new CliUsageException("set-property needs a node path starting with / and at least one NAME=VALUE.");
            }
            var path = args[index++];
            if (args.Length <= index)
            {
                throw new CliUsageException("set-property needs at least one NAME=VALUE.");
            }
            var changes = new List<KeyValuePair<string, JsonNode?>>();
            foreach (var assignment in args[index..])
            {
                var equals = assignment.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    throw new CliUsageException($"\"{assignment}\" is not NAME=VALUE.");
                }
                var name = assignment[..equals].Trim();
                try
                {
                    changes.Add(new(name, TreeText.ParseValue(assignment[(equals + 1)..].Trim())));
                }
                catch (FormatException e)
                {
                    throw new CliUsageException($"Property {name}: {e.Message}");
                }
            }
            var client = await connection.ConnectAsync(result, conn, ct).ConfigureAwait(false);
            await using var clientScope = client.ConfigureAwait(false);
            await new ZooKeeperNodes(client).UpdatePropertiesAsync(path, old =>
            {
                var merged = old.ToDictionary(p => p.Key, p => p.Value?.DeepClone(), StringComparer.Ordinal);
                foreach (var (name, value) in changes)
                {
                    merged[name] = value?.DeepClone();
                }
                return merged;
            }, ZooKeeperNodes.DefaultMaxUpdateAttempts, ct).ConfigureAwait(false);
            return ExitCodes.Success;
        }));
        return command;
    }
}
