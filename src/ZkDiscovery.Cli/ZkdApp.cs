using System.CommandLine;
using ZkDiscovery.Cli.Commands;

namespace ZkDiscovery.Cli;

/// <summary>The <c>zkd</c> commands, one file each under Commands/: a thin shell over <see cref="Nodes.ZooKeeperNodes"/> and the recipes.</summary>
internal static class ZkdApp
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("zkd: export, import, validate and inspect ZooKeeper trees (zc.zk tree format).")
        {
            ExportCommand.Create(),
            ImportCommand.Create(),
            ValidateCommand.Create(),
            SetPropertyCommand.Create(),
            LsCommand.Create(),
            GetCommand.Create(),
            RmCommand.Create(),
            WatchCommand.Create(),
            LnCommand.Create(),
            DotCommand.Create(),
            ServeCommand.Create(),
        };
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }
}
