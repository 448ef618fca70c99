using Microsoft.Extensions.Configuration;

namespace ZkDiscovery.Configuration;

/// <summary>
/// Finds the ZooKeeper configuration providers of an app's configuration, chained configurations included. Compiled
/// into ZkDiscovery.Configuration and ZkDiscovery.Hosting (which must not reference the configuration package).
/// </summary>
internal static class ZooKeeperConfigurationProviders
{
    public static List<IZooKeeperConfigurationProvider> Find(IConfiguration? configuration)
    {
        var found = new List<IZooKeeperConfigurationProvider>();
        Add(configuration, found, depth: 0);
        return found;
    }

    private static void Add(IConfiguration? configuration, List<IZooKeeperConfigurationProvider> found, int depth)
    {
        if (configuration is not IConfigurationRoot root || depth > 8)
        {
            return;
        }
        foreach (var provider in root.Providers)
        {
            switch (provider)
            {
                case IZooKeeperConfigurationProvider zooKeeper when !found.Contains(zooKeeper):
                    found.Add(zooKeeper);
                    break;
                case ChainedConfigurationProvider chained:
                    Add(chained.Configuration, found, depth + 1);
                    break;
            }
        }
    }
}
