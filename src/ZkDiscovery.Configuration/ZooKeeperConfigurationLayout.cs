namespace ZkDiscovery.Configuration;

/// <summary>How the nodes under a configuration path hold configuration (<see cref="ZooKeeperConfigurationSource.Layout"/>).</summary>
public enum ZooKeeperConfigurationLayout
{
    /// <summary>
    /// zc.zk's layout: the node's data is a JSON object of properties (nested objects become <c>a:b</c>); with
    /// <see cref="ZooKeeperConfigurationSource.IncludeChildren"/>, child nodes become sections. Symbolic and property
    /// links are followed.
    /// </summary>
    Properties,

    /// <summary>
    /// Spring Cloud Zookeeper Config's layout: one node per key. Every descendant node that has data is a key, its path
    /// relative to the configured node with <c>/</c> (and, as Spring treats them alike, <c>.</c>) turned into <c>:</c>, its
    /// data (UTF-8 text) the value: <c>/config/fooservice/server/port</c> = <c>8080</c> is <c>server:port</c> = <c>8080</c>.
    /// A node may have a value and children. The configured node's own data is not a key; ephemeral nodes are skipped.
    /// The configured path may go through symbolic links.
    /// </summary>
    NodePerKey,
}
