using System.CommandLine;
using System.Text.Json.Nodes;
using ZkDiscovery.Nodes;
using static ZkDiscovery.Cli.Commands.CommandSupport;

namespace ZkDiscovery.Cli.Commands;

/// <summary><c>zkd get</c>: print a node's properties as JSON (property links resolved).</summary>
internal static class GetCommand
{
    public static Command Create()
    {
        var connection = new ConnectionOptions();
        var raw = new Option<bool>("--raw") { Description = "Print the stored data as is instead of the properties." };
        var stat = new Option<bool>("--stat") { Description = "Print the node's Stat after the data." };
        var path = new Argument<string>("PATH") { Description = "The node; symbolic links are followed." };
        var command = new Command("get", "Print a node's properties as JSON (property links resolved).") { raw, stat, path };
        connection.AddTo(command);
        command.SetAction((result, ct) => RunAsync(async () =>
        {
            var target = RequirePath(result.GetValue(path)!);
            var client = await connection.ConnectAsync(result, null, ct).ConfigureAwait(false);
            await using var clientScope = client.ConfigureAwait(false);
            var nodes = new ZooKeeperNodes(client);
            var real = await nodes.ResolvePathAsync(target, ct).ConfigureAwait(false);
            NodeStat nodeStat;
            if (result.GetValue(raw))
            {
                var data = await client.GetDataAsync(real, null, ct).ConfigureAwait(false);
                nodeStat = data.Stat;
                var stdout = Console.OpenStandardOutput();
                await using var stdoutScope = stdout.ConfigureAwait(false);
                await stdout.WriteAsync(data.Data, ct).ConfigureAwait(false);
                if (result.GetValue(stat))
                {
                    await stdout.WriteAsync("\n"u8.ToArray(), ct).ConfigureAwait(false);
                }
                await stdout.FlushAsync(ct).ConfigureAwait(false);
            }
            else
            {
                var properties = await nodes.GetResolvedPropertiesAsync(real, ct).ConfigureAwait(false);
                var json = new JsonObject();
                foreach (var (name, value) in properties.Properties.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    json[name] = value?.DeepClone();
                }
                await Console.Out.WriteLineAsync(json.ToJsonString(Indented)).ConfigureAwait(false);
                foreach (var error in properties.Errors)
                {
                    await Console.Error.WriteLineAsync("zkd: warning: " + error.Message).ConfigureAwait(false);
                }
                nodeStat = (await client.ExistsAsync(real, null, ct).ConfigureAwait(false)) ?? throw new NoNodeException(real);
            }
            if (result.GetValue(stat))
            {
                await WriteLinesAsync(FormatStat(nodeStat)).ConfigureAwait(false);
            }
            return ExitCodes.Success;
        }));
        return command;
    }
}
