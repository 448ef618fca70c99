using System.CommandLine;
using System.Threading.Channels;
using ZkDiscovery.Nodes;
using static ZkDiscovery.Cli.Commands.CommandSupport;

namespace ZkDiscovery.Cli.Commands;

/// <summary><c>zkd watch</c>: print the node's properties, then each change, until Ctrl+C.</summary>
internal static class WatchCommand
{
    public static Command Create()
    {
        var connection = new ConnectionOptions();
        var path = new Argument<string>("PATH") { Description = "The node; symbolic links are followed once, at the start." };
        var command = new Command("watch", "Print the node's properties, then each change, until Ctrl+C.") { path };
        connection.AddTo(command);
        command.SetAction((result, ct) => RunAsync(async () =>
        {
            var target = RequirePath(result.GetValue(path)!);
            var client = await connection.ConnectAsync(result, null, ct).ConfigureAwait(false);
            await using var clientScope = client.ConfigureAwait(false);
            var nodes = new ZooKeeperNodes(client);
            var real = await nodes.ResolvePathAsync(target, ct).ConfigureAwait(false);
            var events = Channel.CreateUnbounded<WatchedEvent>();
            await client.AddWatchAsync(real, e => events.Writer.TryWrite(e), AddWatchMode.Persistent, ct).ConfigureAwait(false);
            await PrintStateAsync(nodes, real, "properties", ct).ConfigureAwait(false);
            try
            {
                await foreach (var e in events.Reader.ReadAllAsync(ct).ConfigureAwait(false))
                {
                    switch (e.Type)
                    {
                        case WatchEventType.NodeCreated:
                            await PrintStateAsync(nodes, real, "created", ct).ConfigureAwait(false);
                            break;
                        case WatchEventType.NodeDataChanged:
                            await PrintStateAsync(nodes, real, "changed", ct).ConfigureAwait(false);
                            break;
                        case WatchEventType.NodeDeleted:
                            await Console.Out.WriteLineAsync($"{real} deleted").ConfigureAwait(false);
                            break;
                        case WatchEventType.NodeChildrenChanged:
                            var children = await client.GetChildrenAsync(real, null, ct).ConfigureAwait(false);
                            await Console.Out.WriteLineAsync($"{real} children: {string.Join(' ', children.Children.Order(StringComparer.Ordinal))}").ConfigureAwait(false);
                            break;
                        case WatchEventType.None when e.IsWatchLost:
                            await Console.Out.WriteLineAsync($"{real} watch lost ({e.State}); re-watching").ConfigureAwait(false);
                            await client.AddWatchAsync(real, w => events.Writer.TryWrite(w), AddWatchMode.Persistent, ct).ConfigureAwait(false);
                            await PrintStateAsync(nodes, real, "properties", ct).ConfigureAwait(false);
                            break;
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            return ExitCodes.Success;
        }));
        return command;
    }
}
