using System.Globalization;
using System.Text;

namespace ZkDiscovery.Testing.Internal;

internal static class ZooKeeperConfig
{
    public static string Build(ZooKeeperTestServerOptions options, string dataDirectory, int clientPort, IEnumerable<string> ensembleLines)
    {
        var builder = new StringBuilder();
        void Line(string text) => builder.Append(text).Append('\n');

        Line("tickTime=" + Milliseconds(options.TickTime));
        Line("dataDir=" + dataDirectory);
        Line("clientPort=" + clientPort.ToString(CultureInfo.InvariantCulture));
        Line("clientPortAddress=127.0.0.1");
        Line("admin.enableServer=false");
        Line("4lw.commands.whitelist=*");
        Line("forceSync=no");
        Line("preAllocSize=4096");
        if (options.MinSessionTimeout is { } min)
        {
            Line("minSessionTimeout=" + Milliseconds(min));
        }

        if (options.MaxSessionTimeout is { } max)
        {
            Line("maxSessionTimeout=" + Milliseconds(max));
        }

        foreach (string line in ensembleLines)
        {
            Line(line);
        }

        foreach (string line in options.ExtraConfigLines)
        {
            Line(line);
        }

        return builder.ToString();
    }

    public static string Milliseconds(TimeSpan value) =>
        ((long)Math.Ceiling(value.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
}
